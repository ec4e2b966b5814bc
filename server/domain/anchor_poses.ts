/**
 * The technician camera's pose per call (issue 17). Poses travel peer to peer; this keeps only what a
 * late joiner or a reload needs: the latest pose, written to the store at most once per `storeEveryMs`
 * (the last one of a burst is written when the interval ends). Only the call's creator — the
 * Technician whose picture everyone annotates — has a pose; its relay through the server (when the
 * data channel is down) is limited to `maxPerSec` per call, as a token bucket holding one second's worth:
 * poses sent at an even rate below the limit pass even when the network bunches them on the way.
 */
import type { AnchorPose } from "../../lib/types.ts";
import type { Store } from "../store/store.ts";
import type { CallService, Member } from "./calls.ts";
import { type Clock, systemClock, type Timer } from "./clock.ts";
import { AppError, forbidden } from "./errors.ts";

export interface AnchorPoseOptions {
  storeEveryMs: number;
  maxPerSec: number;
}

interface Entry {
  pose: AnchorPose;
  lastRelay: number;
  /** Poses that may still be relayed now (refilled at `maxPerSec`, at most `maxPerSec`). */
  tokens: number;
  lastWrite: number;
  timer?: Timer;
}

const key = (callId: string) => `anchor-pose:${callId}`;
/** Entries of calls without a pose for this long are dropped from memory (the store keeps the last). */
const IDLE_MS = 5 * 60_000;

export class AnchorPoseService {
  private readonly entries = new Map<string, Entry>();
  private updates = 0;

  constructor(
    private readonly store: Store,
    private readonly calls: CallService,
    private readonly opts: AnchorPoseOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records `pose` as the latest of the call; throws unless `who` is its technician and within the rate. */
  async update(who: Member, callId: string, pose: AnchorPose): Promise<AnchorPose> {
    const call = await this.calls.requireActiveParticipant(who, callId);
    if (call.createdBy !== who.userId) throw forbidden("Only the technician's camera has a pose");
    const now = this.clock.now();
    const entry = this.entries.get(callId);
    const { maxPerSec } = this.opts;
    const tokens = entry
      ? Math.min(maxPerSec, entry.tokens + (now - entry.lastRelay) * maxPerSec / 1000)
      : maxPerSec;
    if (tokens < 1) throw new AppError("RATE_LIMITED", `At most ${maxPerSec} poses per second`);
    const latest = entry && entry.pose.epoch === pose.epoch && entry.pose.seq > pose.seq ? entry.pose : pose;
    const e: Entry = entry ?? { pose: latest, lastRelay: now, tokens, lastWrite: 0 };
    e.tokens = tokens - 1;
    e.pose = latest;
    e.lastRelay = now;
    this.entries.set(callId, e);
    this.scheduleWrite(callId, e);
    if (++this.updates % 500 === 0) this.sweep(now);
    return pose;
  }

  /** The latest pose of a call for a participant (memory first, else the store); null when none. */
  async latest(who: Member, callId: string): Promise<AnchorPose | null> {
    await this.calls.requireActiveParticipant(who, callId);
    const e = this.entries.get(callId);
    if (e) return e.pose;
    const stored = await this.store.getMeta(key(callId));
    return stored ? JSON.parse(stored) as AnchorPose : null;
  }

  private scheduleWrite(callId: string, e: Entry) {
    if (e.timer !== undefined) return;
    const wait = Math.max(0, e.lastWrite + this.opts.storeEveryMs - this.clock.now());
    e.timer = this.clock.setTimeout(() => {
      e.timer = undefined;
      e.lastWrite = this.clock.now();
      this.store.setMeta(key(callId), JSON.stringify(e.pose)).catch(() => {});
    }, wait);
  }

  private sweep(now: number) {
    for (const [callId, e] of this.entries) {
      if (now - e.lastRelay > IDLE_MS && e.timer === undefined) this.entries.delete(callId);
    }
  }

  /** The call ended: its pose is no longer needed in memory. */
  forget(callId: string): void {
    const e = this.entries.get(callId);
    if (e) this.clock.clearTimeout(e.timer);
    this.entries.delete(callId);
  }

  /** Writes pending poses now (shutdown). */
  async flush(): Promise<void> {
    const pending = [...this.entries].filter(([, e]) => e.timer !== undefined);
    for (const [callId, e] of pending) {
      this.clock.clearTimeout(e.timer);
      e.timer = undefined;
      await this.store.setMeta(key(callId), JSON.stringify(e.pose));
    }
  }
}
