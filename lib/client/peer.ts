/**
 * One WebRTC peer connection with "perfect negotiation": both sides may
 * renegotiate at any time; on glare the polite side rolls back its offer and
 * the impolite side ignores the incoming one. ICE candidates that arrive
 * before the description of their generation (matched by usernameFragment) are queued; ICE restarts
 * on failure, or when asked (with fresh ICE servers) by a caller that notices trouble sooner.
 *
 * On a poor link, audio goes first (high sender priority) and, when `keepResolution`, the camera keeps
 * its resolution and lets the frame rate fall (a remote expert needs detail more than motion). Either
 * side's camera starts at 360p and steps up as the bandwidth estimate allows (sender_policy.ts).
 */
import { sdpFingerprint, sdpUfrag } from "./sdp.ts";
import { preferRedundantAudio, prioritizeSenders, VideoSteps } from "./sender_policy.ts";

export type PeerSignal =
  | { type: "description"; description: RTCSessionDescriptionInit }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null };

export interface PeerOptions {
  iceServers: RTCIceServer[];
  /** A connection made beforehand with these ICE servers, its candidates gathered meanwhile: used, not made. */
  pc?: RTCPeerConnection;
  /** `relay`: TURN only (MOBIMAINT_ICE_TRANSPORT_POLICY). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  polite: boolean;
  /** The camera keeps its resolution under congestion (degradationPreference "maintain-resolution"). */
  keepResolution?: boolean;
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
  /** This side restarted ICE, whatever the cause (stall, failure, a lasting disconnect, a nudge). */
  onIceRestart?: () => void;
}

export class PeerSession {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  /** Candidates waiting for the description of their generation. */
  private queued: (RTCIceCandidateInit | null)[] = [];
  /** ICE generations (remote ufrags) applied so far: late candidates of an older one are dropped. */
  private remoteUfrags = new Set<string>();
  private disconnectTimer?: ReturnType<typeof setTimeout>;
  private readonly videoSteps: VideoSteps;
  private closed = false;
  /** The senders' tracks while media is held back (holdMedia), to be put back by releaseMedia. */
  private heldTracks?: Map<RTCRtpSender, MediaStreamTrack | null>;

  constructor(private readonly opts: PeerOptions) {
    const pc = this.pc = opts.pc ?? new RTCPeerConnection({
      iceServers: opts.iceServers,
      iceTransportPolicy: opts.iceTransportPolicy ?? "all",
    });
    this.videoSteps = new VideoSteps(
      pc,
      (what) => this.trace(what),
      // Held back, the camera is scaled all the same: its first keyframe is already the step's size.
      (sender) => this.heldTracks?.get(sender) ?? sender.track,
    );
    // addTrack, not addTransceiver: the answering side's tracks must ride on the offered m-lines.
    // Sender priorities are set once encodings exist (tuneSenders).
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

  /** True while this side's offer is being made or awaits its answer. */
  get offering(): boolean {
    return this.makingOffer || this.pc.signalingState === "have-local-offer";
  }

  /** This side yields on a collision (perfect negotiation's polite peer). */
  get polite(): boolean {
    return this.opts.polite;
  }

  /** True once a remote description was applied. */
  get negotiated(): boolean {
    return !!this.pc.remoteDescription;
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      preferRedundantAudio(this.pc);
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      // A glare may have turned this into an answer meanwhile; receive() sends answers.
      if (local?.type !== "offer") return;
      this.trace("sent offer");
      // The description goes out before anything else is awaited, so it precedes its candidates.
      this.opts.send({ type: "description", description: local.toJSON() });
      await this.tuneSenders();
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
    // An answer to an offer already answered (e.g. one we sent twice): nothing to apply.
    if (description.type === "answer" && pc.signalingState === "stable") {
      return this.trace("late answer ignored");
    }
    // On glare the polite side's setRemoteDescription rolls its own offer back (implicit rollback).
    this.settingRemoteAnswer = description.type === "answer";
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    const ufrag = sdpUfrag(description.sdp);
    if (ufrag) this.remoteUfrags.add(ufrag);
    const queued = this.queued.splice(0);
    for (const c of queued) await this.addCandidate(c);
    if (description.type === "offer") {
      preferRedundantAudio(pc);
      await pc.setLocalDescription(this.heldTracks ? await this.passiveAnswer() : undefined);
      this.trace("sent answer");
      this.opts.send({ type: "description", description: pc.localDescription!.toJSON() });
      if (collision) await this.reattachTracks();
      await this.tuneSenders();
    }
  }

  /**
   * An answer that leaves the DTLS handshake to the caller. An expert rung on several devices answers on
   * each, and the caller's ICE may then reach them all; only the one its own checks chose must connect.
   */
  private async passiveAnswer(): Promise<RTCSessionDescriptionInit> {
    const answer = await this.pc.createAnswer();
    return { type: "answer", sdp: answer.sdp?.replaceAll("a=setup:active", "a=setup:passive") };
  }

  /**
   * After an offer of ours was rolled back for the peer's (glare, e.g. both ends restarting ICE when a
   * network switch cut them both), Chromium 150 sends nothing more on our senders: new SSRCs, 0 packets,
   * for good. Putting each track back on its sender starts them again.
   */
  private async reattachTracks(): Promise<void> {
    if (this.heldTracks) return; // releaseMedia puts them back
    this.trace("tracks put back after a rollback");
    for (const sender of this.pc.getSenders()) {
      if (sender.track) await sender.replaceTrack(sender.track).catch(() => {});
    }
  }

  private trace(what: string) {
    this.opts.trace?.(what);
  }

  private async addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    const ufrag = candidate?.usernameFragment;
    const current = sdpUfrag(this.pc.remoteDescription?.sdp);
    if (ufrag && current && ufrag !== current && this.remoteUfrags.has(ufrag)) {
      return this.trace("dropped a candidate of an older ICE generation");
    }
    // Not yet applicable: no remote description, or (during an ICE restart) one of the previous generation.
    if (!current || (ufrag && ufrag !== current)) {
      if (this.queued.push(candidate) > 200) this.queued.shift();
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

  /**
   * New ICE credentials; onnegotiationneeded sends the restart offer. `iceServers`: fresh TURN
   * credentials (and possibly other servers) to gather the new candidates with.
   */
  restartIce(iceServers?: RTCIceServer[]): void {
    if (this.closed || this.pc.signalingState === "closed") return;
    if (iceServers) {
      try {
        this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
      } catch (e) {
        console.warn("setConfiguration failed", e);
      }
    }
    this.trace("ICE restart");
    this.opts.onIceRestart?.();
    this.pc.restartIce();
  }

  /**
   * Audio first; the camera at its resolution step, the technician's keeping its resolution (once encodings
   * exist, i.e. after negotiation).
   */
  private async tuneSenders(): Promise<void> {
    await prioritizeSenders(this.pc, this.opts.keepResolution);
    await this.videoSteps.apply();
  }

  /** The camera's resolution for the bandwidth estimate (sender_policy.ts: VIDEO_STEPS, nextVideoStep). */
  async fitVideoTo(availableKbps: number | undefined): Promise<void> {
    if (availableKbps === undefined) return;
    await this.videoSteps.fit(availableKbps);
  }

  /**
   * Sends no media (the call is not answered yet) while negotiation, ICE and DTLS go on: the connection is
   * made while it rings, and releaseMedia() starts the media without another round of signaling.
   */
  holdMedia(): void {
    if (this.heldTracks || this.closed) return;
    this.heldTracks = new Map(this.pc.getSenders().map((s) => [s, s.track]));
    for (const sender of this.heldTracks.keys()) sender.replaceTrack(null).catch(() => {});
  }

  async releaseMedia(): Promise<void> {
    const held = this.heldTracks;
    this.heldTracks = undefined;
    if (!held || this.closed) return;
    await Promise.all([...held].map(([sender, track]) => sender.replaceTrack(track).catch(() => {})));
  }

  async replaceVideoTrack(track: MediaStreamTrack): Promise<void> {
    // The receiver's kind identifies the m-line even while the sender has no track.
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track.kind === "video");
    if (transceiver && this.heldTracks) return void this.heldTracks.set(transceiver.sender, track);
    await transceiver?.sender.replaceTrack(track);
    await this.videoSteps.apply(); // the new camera's own size
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.disconnectTimer);
    this.pc.close();
  }
}
