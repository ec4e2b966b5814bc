/**
 * Anchoring on a call page (issue 17). The technician's page tracks its own camera (the tracker is
 * loaded only then, with a dynamic import) and sends every pose to the peer over an unreliable,
 * unordered data channel; through the signaling socket it sends one a second (the server keeps the
 * latest for pages that join later) or up to ten a second while the channel is not open. Both pages
 * keep the newest pose they have, and new drawings take it as their anchor unless pinned to the screen.
 */
import { effect, type ReadonlySignal, signal } from "@preact/signals";
import { isAnchorPose } from "../../anchored.ts";
import type { FrozenFrame } from "../../snapshots.ts";
import type { AnchorPose, Annotation, AnnotationAnchor } from "../../types.ts";
import { request, type SignalingSocket } from "../signaling.ts";
import type { CameraTracker } from "./camera_tracker.ts";
import type { WorkerPose } from "./worker_main.ts";

/** The data channel's id, negotiated out of band (both pages create it with the same id). */
const CHANNEL_ID = 17;
const STORE_EVERY_MS = 1000;
const FALLBACK_EVERY_MS = 100;
/** While no annotation is anchored the camera is tracked at about 10 frames/s (a pose is ready to anchor one). */
const IDLE_INTERVAL_MS = 95;

export type TrackingStatus = "off" | "starting" | "on" | "unsupported" | "failed";

export class Anchoring {
  /** The camera's newest pose (own on the technician's page, received on the expert's). */
  readonly pose = signal<AnchorPose | null>(null);
  /** New drawings stick to the object (true) or to the screen. */
  readonly stick = signal(true);
  readonly tracking = signal<TrackingStatus>("off");
  /** Per pose: when it was made (technician) or received (expert), ms since the epoch (bench, tests). */
  readonly log: {
    seq: number;
    epoch: string;
    at: number;
    /** frame: its camera frame was grabbed; local: the pose came out of the tracker; drawn: redrawn with it. */
    via: "frame" | "local" | "channel" | "socket" | "drawn";
  }[] = [];
  /** The tracker on the technician's page, once loaded. */
  tracker?: CameraTracker;
  private channel?: RTCDataChannel;
  private socket?: SignalingSocket;
  private lastSocketSend = 0;
  private stopped = false;
  private pc?: RTCPeerConnection;
  private newest?: AnchorPose;
  private lastPoll = 0;
  // deno-lint-ignore no-explicit-any
  private lastStats?: any;
  /** The expert's estimate of how long the video takes from arrival to display, ms. */
  videoDelayMs = 0;

  private stopRate?: () => void;

  constructor(
    private readonly callId: string,
    private readonly technician: boolean,
    private readonly annotations?: ReadonlySignal<Annotation[]>,
  ) {}

  attachSocket(s: SignalingSocket): void {
    this.socket = s;
    s.on("anchor-pose", ({ callId: _c, from: _f, ...p }) => this.receive(p, "socket"));
    // An anchored drawing from the peer: keep this frame for re-acquisition too.
    s.on("annotation", (a) => a.anchor && this.tracker?.keyframe());
  }

  /** After (re)joining the call: the latest pose the server kept, for a page that has none yet. */
  joined(): void {
    if (this.technician || !this.socket) return;
    request(this.socket, "anchor-pose-latest", { callId: this.callId })
      .then((r) => this.receive(r.pose, "socket"))
      .catch(() => {});
  }

  /** Both pages create the same negotiated channel on every new peer connection. */
  attachPeer(pc: RTCPeerConnection): void {
    this.channel?.close();
    this.pc = pc;
    const ch = this.channel = pc.createDataChannel("anchor-pose", {
      negotiated: true,
      id: CHANNEL_ID,
      ordered: false,
      maxRetransmits: 0,
    });
    ch.onmessage = (e) => {
      try {
        this.receive(JSON.parse(String(e.data)), "channel");
      } catch { /* not JSON: ignored */ }
    };
  }

  /** Starts tracking the technician's own camera shown in `video`. */
  async startTracking(video: HTMLVideoElement): Promise<void> {
    if (!this.technician || this.tracker || this.tracking.value === "starting") return;
    const supported = "requestVideoFrameCallback" in HTMLVideoElement.prototype &&
      typeof OffscreenCanvas !== "undefined" && typeof Worker !== "undefined";
    if (!supported) {
      this.tracking.value = "unsupported";
      return;
    }
    this.tracking.value = "starting";
    try {
      const { CameraTracker } = await import("./camera_tracker.ts");
      if (this.stopped) return;
      const tracker = this.tracker = new CameraTracker(video, (p) => this.local(p));
      this.stopRate = effect(() => {
        const anchored = this.annotations?.value.some((a) => a.anchor) ?? true;
        tracker.minIntervalMs = anchored ? 0 : IDLE_INTERVAL_MS;
      });
      this.tracking.value = "on";
    } catch (e) {
      console.warn("tracking unavailable", e);
      this.tracking.value = "failed";
    }
  }

  private local(p: WorkerPose) {
    const pose: AnchorPose = { epoch: p.epoch, seq: p.seq, state: p.state, pose: p.pose };
    this.note(pose, "frame", p.at);
    this.note(pose, "local");
    this.pose.value = pose;
    const open = this.channel?.readyState === "open";
    // age: how long ago its camera frame was grabbed, so the expert can show it with that frame.
    const age = Math.round(performance.timeOrigin + performance.now() - p.at);
    if (open) this.channel!.send(JSON.stringify({ ...pose, age }));
    const now = Date.now();
    if (this.socket?.connected && now - this.lastSocketSend >= (open ? STORE_EVERY_MS : FALLBACK_EVERY_MS)) {
      this.lastSocketSend = now;
      this.socket.emit("anchor-pose", { ...pose, callId: this.callId });
    }
  }

  /**
   * A pose from the technician arrives before the video frame it was measured on (the video waits in
   * encoders and the jitter buffer): it is applied once that frame is likely shown, after the video's
   * delay (from getStats) less the pose's age.
   */
  private receive(p: unknown, via: "channel" | "socket") {
    if (this.technician || !isAnchorPose(p)) return;
    if (this.newest && this.newest.epoch === p.epoch && this.newest.seq >= p.seq) return;
    this.newest = p;
    this.note(p, via);
    const age = Number((p as { age?: unknown }).age);
    const wait = via === "channel" ? this.videoDelayMs - (Number.isFinite(age) ? Math.max(0, age) : 0) : 0;
    const apply = () => {
      const cur = this.pose.value;
      if (cur && cur.epoch === p.epoch && cur.seq >= p.seq) return;
      this.pose.value = { epoch: p.epoch, seq: p.seq, state: p.state, pose: p.pose };
    };
    if (wait > 2) setTimeout(apply, Math.min(wait, 1000));
    else apply();
    this.pollVideoDelay();
  }

  /** The expert's video delay from the receiver's stats (processing or jitter buffer + decode), every second. */
  private pollVideoDelay() {
    const now = Date.now();
    if (!this.pc || now - this.lastPoll < 1000) return;
    this.lastPoll = now;
    this.pc.getStats().then((report) => {
      report.forEach((r) => {
        if (r.type !== "inbound-rtp" || r.kind !== "video") return;
        const prev = this.lastStats;
        this.lastStats = r;
        const frames = r.framesDecoded - (prev?.framesDecoded ?? 0);
        if (!prev || frames <= 0) return;
        const per = (k: string) => (r[k] - (prev[k] ?? 0)) / frames;
        const emitted = r.jitterBufferEmittedCount - (prev.jitterBufferEmittedCount ?? 0);
        const jitter = emitted > 0 ? (r.jitterBufferDelay - prev.jitterBufferDelay) / emitted : 0;
        const seconds = r.totalProcessingDelay !== undefined
          ? per("totalProcessingDelay")
          : jitter + per("totalDecodeTime");
        if (Number.isFinite(seconds) && seconds >= 0) this.videoDelayMs = Math.min(1000, seconds * 1000);
      });
    }).catch(() => {});
  }

  /** The page drew its anchored annotations through `p` (for the latency figure). */
  noteDrawn(p: AnchorPose | null): void {
    if (p) this.note(p, "drawn");
  }

  private note(
    p: AnchorPose,
    via: Anchoring["log"][number]["via"],
    at = performance.timeOrigin + performance.now(),
  ) {
    if (this.log.push({ seq: p.seq, epoch: p.epoch, at, via }) > 4000) {
      this.log.splice(0, 1000);
    }
  }

  /**
   * `a` with an anchor when sticking: on live video the current pose (when tracking), on a frozen still
   * the pose it was taken with (when it has one); else as it is (pinned to the screen).
   */
  anchorNew(a: Annotation, still?: FrozenFrame): Annotation {
    if (!this.stick.value) return a;
    if (still) return still.anchor ? { ...a, anchor: still.anchor } : a;
    const anchor = this.anchorNow();
    return anchor ? { ...a, anchor } : a;
  }

  /** The current pose as an anchor, when tracking; its frame is kept for re-acquisition. */
  anchorNow(): AnnotationAnchor | undefined {
    const p = this.pose.value;
    if (!p || p.state !== "tracking") return undefined;
    this.tracker?.keyframe();
    return { epoch: p.epoch, pose: p.pose };
  }

  stop(): void {
    this.stopped = true;
    this.stopRate?.();
    this.tracker?.stop();
    this.channel?.close();
  }
}
