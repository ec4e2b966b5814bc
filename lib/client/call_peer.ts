/** A call's one peer connection at a time: made on demand, fed the relayed signals in order, its answer held back. */
import type { Signal } from "@preact/signals";
import type { Me } from "../history.ts";
import { opensNegotiation } from "../negotiation.ts";
import type { CallBoard } from "./call_board.ts";
import type { CallHandoff } from "./call_warmup.ts";
import type { LinkWatch } from "./link_watch.ts";
import type { LocalMedia } from "./local_media.ts";
import { PeerSession, type PeerSignal } from "./peer.ts";
import { onRelayed, sendRelayed } from "./relayed.ts";
import { sdpUfrag } from "./sdp.ts";
import type { SignalingSocket } from "./signaling.ts";
import type { Anchoring } from "./tracking/anchoring.ts";

/** What the peer connection shares with the rest of the call (CallController). */
export interface CallPeerHost {
  readonly callId: string;
  readonly me: Me;
  readonly handoff: CallHandoff;
  readonly link: LinkWatch;
  readonly media: LocalMedia;
  readonly anchoring: Anchoring;
  readonly board: CallBoard;
  readonly peerId: Signal<string | null>;
  readonly peerState: Signal<RTCPeerConnectionState | "waiting">;
  readonly remoteStream: Signal<MediaStream | null>;
  socket(): SignalingSocket | undefined;
  /** A diagnostic entry (CallController.events). */
  note(entry: string): void;
  /** The peer connection restarted ICE (CallController.counters). */
  iceRestarted(): void;
}

export class CallPeer {
  session?: PeerSession;
  private stopped = false;
  private signalChain: Promise<void> = Promise.resolve();
  /** Steps queued on signalChain and not done yet. */
  private chained = 0;
  private offerTimer?: ReturnType<typeof setTimeout>;
  private stopSignals?: () => void;
  /** The last answer received: while it rings, an expert's devices each answer the offer. */
  private lastAnswer?: RTCSessionDescriptionInit;
  /**
   * No media until the call is answered (call_warmup.ts connects a ringing call: the technician's offer,
   * the expert's answer, ICE and DTLS all happen while it rings).
   */
  private holding: boolean;
  /** A connection made before the call, gathering candidates since: the first session's. */
  private gathered?: RTCPeerConnection;
  /** Signals made before the peer was rung (`handoff.sendAfter`), in order; undefined once it is. */
  private unsent?: PeerSignal[];

  constructor(private readonly host: CallPeerHost) {
    this.holding = !!host.handoff.holdMedia;
    const rung = host.handoff.sendAfter;
    if (!rung) return;
    const unsent: PeerSignal[] = this.unsent = [];
    // Not rung (busy, offline, cancelled): the call is given up and nothing is sent.
    rung.then(() => {
      this.unsent = undefined;
      if (!this.stopped) { for (const signal of unsent) this.relay(signal); }
    }, () => {});
  }

  /** Offers, answers and candidates of this call, including those the warm-up received first. */
  listen(s: SignalingSocket) {
    if (this.stopSignals) return;
    const early = this.host.handoff.takeSignals?.() ?? [];
    this.stopSignals = onRelayed(s, this.host.callId, ({ from, signal }) => this.onSignal(from, signal));
    for (const { from, signal } of early) this.onSignal(from, signal);
  }

  /**
   * The call is answered: media flows on the connection made while it rang. `prepared`: awaited first.
   * In order with the signals received so far, so that the caller knows the answering device's answer.
   */
  async releaseMedia(prepared: Promise<unknown> | undefined): Promise<void> {
    if (!this.holding) return;
    // Nothing to wait for: the tracks go back on their senders in this task, before the page goes on to
    // draw the call room (which held the first frames back by the time it took to draw).
    if (prepared) await prepared.catch(() => {});
    // A failure here must not stop the signals queued after it.
    await this.chain(() => this.release().catch((e) => console.warn("media release", e)));
  }

  /** Runs `step` after every step queued so far (at once when none is), before any queued after it. */
  private chain(step: () => Promise<void>): Promise<void> {
    this.chained++;
    const run = () =>
      step().catch((e) => console.warn("signal step failed", e)).finally(() => this.chained--);
    return this.signalChain = this.chained === 1 ? run() : this.signalChain.then(run);
  }

  private async release() {
    if (!this.holding) return;
    performance.mark("call:media-release");
    this.holding = false;
    const session = this.session;
    if (!session) return;
    const local = session.pc.localDescription;
    if (local?.type === "answer") {
      // The expert, on Accept: its answer again, which tells the caller which of its devices answered.
      this.sendSignal({ type: "description", description: local.toJSON() });
    } else if (this.lastAnswer && session.isFromNewPeer(this.lastAnswer)) {
      // The caller: the call was answered on another device than the one connected while it rang.
      this.host.note("answered on another device");
      this.close();
      return this.ensure().offerNow();
    }
    await session.releaseMedia();
    performance.mark("call:media-released");
  }

  /**
   * The peer is in the room (again): resend what may have been lost, and offer if no offer comes.
   * `before`: the peer was there when this page joined, so its connection, if any, was to a page now
   * gone (this one reloaded): this page offers at once instead of waiting for an offer.
   */
  arrived(before = false) {
    // One peer connection per page: a peer that reloaded is detected by its new DTLS fingerprint (applySignal).
    const session = this.ensure();
    session.nudge();
    // The waiting side offers itself when no offer comes (e.g. it reloaded while the other stayed connected).
    clearTimeout(this.offerTimer);
    // Queued behind the signals received so far: an offer still being applied is not a missing one, and
    // offering meanwhile crossed it (a glare both sides then had to undo).
    this.offerTimer = setTimeout(() => {
      this.chain(() => {
        if (this.session === session && !session.negotiated) session.offerNow();
        return Promise.resolve();
      });
    }, before ? 0 : 1500);
  }

  /** Takes a connection made before the call (CallWarmup.gatherEarly) for the first session. */
  adoptGathered(pc: RTCPeerConnection | undefined) {
    if (!pc) return;
    if (this.session || this.stopped) pc.close();
    else this.gathered = pc;
  }

  ensure(): PeerSession {
    if (this.session) return this.session;
    const { host } = this;
    host.note("peer-created");
    const opens = opensNegotiation(host.handoff.members, host.me.userId);
    const stream = host.media.stream.value ?? new MediaStream();
    const pc = this.gathered;
    this.gathered = undefined;
    this.session = new PeerSession({
      pc,
      iceServers: host.link.ice.iceServers,
      iceTransportPolicy: host.link.ice.iceTransportPolicy,
      polite: !opens,
      keepResolution: host.me.role === "Technician", // the camera on the machine: detail before motion
      initiator: opens,
      localStream: stream,
      send: (signal) => this.sendSignal(signal),
      onRemoteStream: (remote) => host.remoteStream.value = remote,
      onStateChange: (state) => {
        if (state === "connected") {
          performance.mark("call:connected");
          host.link.connected();
        }
        host.peerState.value = state;
      },
      trace: (what) => host.note(`(${what})`),
      onIceRestart: () => host.iceRestarted(),
    });
    if (this.holding) this.session.holdMedia();
    host.anchoring.attachPeer(this.session.pc);
    host.board.attachPeer(this.session.pc);
    host.peerState.value = "new";
    host.link.newPeer();
    return this.session;
  }

  close() {
    this.session?.close();
    this.session = undefined;
    this.host.remoteStream.value = null;
    this.host.peerState.value = "waiting";
    this.host.link.clear();
  }

  /** The call is over: no more offers or signals. */
  stop() {
    this.stopped = true;
    this.gathered?.close();
    clearTimeout(this.offerTimer);
    this.close();
    this.stopSignals?.();
  }

  /** Signals are applied strictly in arrival order: each step awaits the peer connection. */
  private onSignal(from: string, signal: PeerSignal) {
    this.chain(() => this.applySignal(from, signal));
  }

  private async applySignal(from: string, signal: PeerSignal) {
    const { host } = this;
    if (from === host.me.userId || this.stopped) return;
    if (!host.peerId.value) host.peerId.value = from;
    if (signal.type === "description" && signal.description.type === "answer") {
      this.lastAnswer = signal.description;
    }
    // The peer reloaded (a new DTLS identity): our connection is dead, start over. An answer from the
    // new connection answers an offer of ours it crossed (ours was rolled back, or went to a connection
    // now gone), so nobody's offer is open any more: this side offers afresh, whichever side it is.
    if (signal.type === "description" && this.session?.isFromNewPeer(signal.description)) {
      // Another device of the expert rung, answering too: the call stays on the first until answered.
      if (this.holding && signal.description.type === "answer") {
        return host.note("answer from another device");
      }
      host.note("peer-replaced");
      this.close();
      if (signal.description.type === "answer") {
        this.ensure().offerNow();
        return;
      }
    }
    // An offer crossing this side's first offer (a reloaded page offers at once): the polite side answers
    // it on a clean connection. Rolling back a first offer still being made left Chromium's connection
    // stuck in "new" on both sides.
    const first = this.session;
    if (
      signal.type === "description" && signal.description.type === "offer" && first?.polite &&
      first.offering && !first.negotiated
    ) {
      host.note("first-offer-crossed");
      this.close();
    }
    const session = this.ensure();
    if (signal.type === "description" && signal.description.type === "offer") {
      const current = sdpUfrag(session.pc.remoteDescription?.sdp);
      if (current && sdpUfrag(signal.description.sdp) !== current) host.link.peerRestarted();
    }
    try {
      await session.receive(signal);
    } catch (e) {
      host.note(`signal-failed:${(e as Error).name}`);
      console.warn("signal not applied", e);
    }
  }

  private sendSignal(signal: PeerSignal) {
    if (this.holding && signal.type === "description") {
      performance.mark(`call:${signal.description.type}-ready`);
    }
    if (this.unsent) this.unsent.push(signal);
    else this.relay(signal);
  }

  private relay(signal: PeerSignal) {
    const to = this.host.peerId.value;
    const socket = this.host.socket();
    if (to && socket?.connected) sendRelayed(socket, this.host.callId, to, signal);
  }
}
