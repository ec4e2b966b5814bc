/**
 * One WebRTC peer connection with "perfect negotiation": both sides may
 * renegotiate at any time; on glare the polite side rolls back its offer and
 * the impolite side ignores the incoming one. ICE candidates that arrive
 * before the remote description are queued; ICE restarts on failure.
 */

export type PeerSignal =
  | { type: "description"; description: RTCSessionDescriptionInit }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null };

export interface PeerOptions {
  iceServers: RTCIceServer[];
  /** `relay`: TURN only (MOBIMAINT_ICE_TRANSPORT_POLICY). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  polite: boolean;
  /**
   * Whether this side opens the first negotiation. The other side waits for
   * that offer (its tracks then ride on the offered m-lines), which keeps two
   * fresh connections from colliding; later renegotiations come from either.
   */
  initiator: boolean;
  localStream: MediaStream;
  send: (signal: PeerSignal) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onStateChange: (state: RTCPeerConnectionState) => void;
  /** Negotiation steps, for diagnostics. */
  trace?: (what: string) => void;
}

/** The DTLS certificate fingerprint of an SDP: a new one means a new peer connection on the other side. */
export function sdpFingerprint(sdp: string | undefined): string | undefined {
  return sdp && /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim();
}

export class PeerSession {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private queued: (RTCIceCandidateInit | null)[] = [];
  private disconnectTimer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(private readonly opts: PeerOptions) {
    const pc = this.pc = new RTCPeerConnection({
      iceServers: opts.iceServers,
      iceTransportPolicy: opts.iceTransportPolicy ?? "all",
    });
    for (const track of opts.localStream.getTracks()) pc.addTrack(track, opts.localStream);
    // Still receive what we cannot send (camera or microphone denied / missing).
    for (const kind of ["audio", "video"] as const) {
      if (!opts.localStream.getTracks().some((t) => t.kind === kind)) {
        pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
    const remote = new MediaStream();
    pc.ontrack = ({ track, streams }) => {
      const stream = streams[0] ?? remote;
      if (!streams[0]) remote.addTrack(track);
      opts.onRemoteStream(stream);
    };
    pc.onicecandidate = ({ candidate }) =>
      opts.send({ type: "candidate", candidate: candidate?.toJSON() ?? null });
    pc.onnegotiationneeded = () => {
      if (!opts.initiator && !pc.remoteDescription) return this.trace("waiting for the peer's offer");
      this.offer();
    };
    pc.onconnectionstatechange = () => opts.onStateChange(pc.connectionState);
    pc.oniceconnectionstatechange = () => {
      clearTimeout(this.disconnectTimer);
      if (pc.iceConnectionState === "failed") this.restartIce();
      // "disconnected" often heals by itself; restart when it does not within a few seconds.
      if (pc.iceConnectionState === "disconnected") {
        this.disconnectTimer = setTimeout(() => {
          if (pc.iceConnectionState === "disconnected") this.restartIce();
        }, 3000);
      }
    };
  }

  /** Makes an offer now (a waiting side whose peer did not offer in time). */
  offerNow(): void {
    if (!this.closed && !this.makingOffer && this.pc.signalingState === "stable") this.offer();
  }

  /** True once a remote description was applied. */
  get negotiated(): boolean {
    return !!this.pc.remoteDescription;
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      // A glare may have turned this into an answer meanwhile; receive() sends answers.
      if (local?.type !== "offer") return;
      this.trace("sent offer");
      this.opts.send({ type: "description", description: local.toJSON() });
    } catch (e) {
      console.warn("offer failed", e);
    } finally {
      this.makingOffer = false;
    }
  }

  async receive(signal: PeerSignal): Promise<void> {
    if (this.closed) return;
    if (signal.type === "candidate") return this.addCandidate(signal.candidate);
    const description = signal.description;
    const pc = this.pc;
    const readyForOffer = !this.makingOffer && (pc.signalingState === "stable" || this.settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.opts.polite && collision;
    this.trace(`got ${description.type} in ${pc.signalingState}${collision ? ", glare" : ""}`);
    if (this.ignoreOffer) return;
    // On glare the polite side's setRemoteDescription rolls its own offer back (implicit rollback).
    this.settingRemoteAnswer = description.type === "answer";
    await pc.setRemoteDescription(description);
    this.settingRemoteAnswer = false;
    const queued = this.queued.splice(0);
    for (const c of queued) await this.addCandidate(c);
    if (description.type === "offer") {
      await pc.setLocalDescription();
      this.trace("sent answer");
      this.opts.send({ type: "description", description: pc.localDescription!.toJSON() });
    }
  }

  private trace(what: string) {
    this.opts.trace?.(what);
  }

  private async addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.queued.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate ?? undefined);
    } catch (e) {
      if (!this.ignoreOffer) console.warn("addIceCandidate failed", e);
    }
  }

  /** True when `description` comes from a different peer connection than the one we are talking to. */
  isFromNewPeer(description: RTCSessionDescriptionInit): boolean {
    const current = sdpFingerprint(this.pc.remoteDescription?.sdp);
    return !!current && sdpFingerprint(description.sdp) !== current;
  }

  /**
   * The peer has a new socket in the call room, so anything sent before may
   * have been lost: repeat an unanswered offer, or restart ICE when broken.
   */
  nudge(): void {
    if (this.closed) return;
    const local = this.pc.localDescription;
    if (this.pc.signalingState === "have-local-offer" && local) {
      this.trace("resent offer");
      this.opts.send({ type: "description", description: local.toJSON() });
    } else if (["failed", "disconnected"].includes(this.pc.connectionState)) {
      this.restartIce();
    }
  }

  /** New ICE credentials; onnegotiationneeded sends the restart offer. */
  restartIce(): void {
    if (!this.closed && this.pc.signalingState !== "closed") this.pc.restartIce();
  }

  async replaceVideoTrack(track: MediaStreamTrack): Promise<void> {
    // The receiver's kind identifies the m-line even while the sender has no track.
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "video");
    await transceiver?.sender.replaceTrack(track);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.disconnectTimer);
    this.pc.close();
  }
}
