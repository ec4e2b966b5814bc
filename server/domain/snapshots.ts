/**
 * Snapshots of a call and its frozen frame: who may add, read and freeze them, the per-call limits,
 * and the retention sweep (a call's images go once it ended more than the retention period ago).
 * Transports subscribe to the events; the clock is injected for the sweep's tests.
 */
import type { Limits } from "../../fresh.config.ts";
import { type FrozenFrame, type SnapshotInfo, type SnapshotType, snapshotUrl } from "../../lib/snapshots.ts";
import type { AnnotationAnchor, CallRecord } from "../../lib/types.ts";
import type { Identity } from "../auth/tokens.ts";
import type { BlobMeta, BlobStore } from "../store/blobs.ts";
import type { Store } from "../store/store.ts";
import { type CallService, isParticipant } from "./calls.ts";
import { type Clock, systemClock, type Timer } from "./clock.ts";
import { AppError, forbidden, notFound } from "./errors.ts";
import { Listeners } from "./listeners.ts";
import { inspectImage } from "./images.ts";

const DAY_MS = 86_400_000;

export interface SnapshotEvents {
  added(info: SnapshotInfo): void;
  frozen(callId: string, frame: FrozenFrame): void;
  unfrozen(callId: string, from: string): void;
}

export const toInfo = (meta: BlobMeta): SnapshotInfo => ({ ...meta, url: snapshotUrl(meta.callId, meta.id) });

/** Ids sort by when they were made (wall time, like call ids), which is the order `list` gives. */
const newSnapshotId = () => `snap_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;

export class SnapshotService {
  readonly events = new Listeners<SnapshotEvents>();
  private sweepTimer?: Timer;

  constructor(
    private readonly blobs: BlobStore,
    private readonly store: Store,
    private readonly calls: CallService,
    private readonly limits: Limits,
    private readonly retentionDays: number,
    private readonly clock: Clock = systemClock,
  ) {}

  subscribe(listener: Partial<SnapshotEvents>): () => void {
    return this.events.add(listener);
  }

  private now(): number {
    return this.clock.now();
  }

  /** Checked before an upload's body is read: only participants of an active call add snapshots. */
  async mayAdd(who: Identity, callId: string): Promise<void> {
    await this.calls.requireActiveParticipant(who, callId);
  }

  async add(who: Identity, callId: string, declared: SnapshotType, bytes: Uint8Array): Promise<SnapshotInfo> {
    await this.mayAdd(who, callId);
    const image = inspectImage(bytes, declared, this.limits);
    const meta: BlobMeta = {
      id: newSnapshotId(),
      callId,
      ...image,
      bytes: bytes.byteLength,
      from: who.userId,
      createdAt: this.now(),
    };
    if (!(await this.blobs.put(meta, bytes, this.limits.snapshotsPerCall))) {
      throw new AppError("LIMIT_EXCEEDED", `A call holds at most ${this.limits.snapshotsPerCall} snapshots`);
    }
    const info = toInfo(meta);
    this.events.emit("added", info);
    return info;
  }

  /** Participants and Admins, of any call that still exists (ended ones too: the report). */
  private async readable(who: Identity, callId: string): Promise<CallRecord> {
    const call = await this.calls.require(callId);
    if (who.role !== "Admin" && !isParticipant(call, who)) {
      throw forbidden("Only participants can see this call's snapshots");
    }
    return call;
  }

  async get(who: Identity, callId: string, id: string): Promise<{ meta: BlobMeta; bytes: Uint8Array }> {
    await this.readable(who, callId);
    const blob = await this.blobs.get(callId, id);
    if (!blob) throw notFound(`Snapshot ${id} not found`);
    return blob;
  }

  /** The call's snapshots (no access check: callers hold the call's detail already). */
  async list(callId: string): Promise<SnapshotInfo[]> {
    return (await this.blobs.list(callId)).map(toInfo);
  }

  /** Both sides switch to a stored still; kept in the call record so a late joiner sees it. */
  async freeze(
    who: Identity,
    callId: string,
    snapshotId: string,
    anchor?: AnnotationAnchor,
  ): Promise<FrozenFrame> {
    const call = await this.calls.requireActiveParticipant(who, callId);
    if (anchor && call.createdBy !== who.userId) throw forbidden("Only the technician's camera has a pose");
    const blob = await this.blobs.get(callId, snapshotId);
    if (!blob) throw notFound(`Snapshot ${snapshotId} not found`);
    const at = this.now();
    const frame: FrozenFrame = {
      snapshotId,
      url: snapshotUrl(callId, snapshotId),
      width: blob.meta.width,
      height: blob.meta.height,
      from: who.userId,
      at,
      ...(anchor && { anchor }),
    };
    await this.store.updateCall(callId, (call) => {
      call.frozen = frame;
      call.timeline.push({ at, type: "frozen", userId: who.userId, detail: snapshotId });
      return call;
    });
    this.events.emit("frozen", callId, frame);
    return frame;
  }

  async unfreeze(who: Identity, callId: string): Promise<void> {
    await this.calls.requireActiveParticipant(who, callId);
    const at = this.now();
    await this.store.updateCall(callId, (call) => {
      if (!call.frozen) return null;
      delete call.frozen;
      call.timeline.push({ at, type: "unfrozen", userId: who.userId });
      return call;
    });
    this.events.emit("unfrozen", callId, who.userId);
  }

  /**
   * Removes the images of calls that ended more than the retention period ago (and of calls that no
   * longer exist). Resolves with the ids of the calls whose images went. Safe on several nodes at once.
   */
  async sweep(): Promise<string[]> {
    if (!this.retentionDays) return [];
    const limit = this.now() - this.retentionDays * DAY_MS;
    const removed: string[] = [];
    for (const callId of await this.blobs.calls()) {
      const call = await this.store.getCall(callId);
      if (call && !(call.status === "ended" && (call.endedAt ?? 0) <= limit)) continue;
      const n = await this.blobs.deleteCall(callId);
      if (!n) continue; // another node got there first
      removed.push(callId);
      if (!call) continue;
      const at = this.now();
      await this.store.updateCall(callId, (c) => {
        delete c.frozen;
        c.timeline.push({ at, type: "snapshots-removed", detail: `${n} after ${this.retentionDays} days` });
        return c;
      });
    }
    return removed;
  }

  startSweeping(everyMs: number, onError: (e: unknown) => void): void {
    let running = false;
    this.sweepTimer = this.clock.setInterval(() => {
      if (running) return;
      running = true;
      return this.sweep().catch(onError).finally(() => (running = false));
    }, everyMs);
  }

  close(): void {
    this.clock.clearInterval(this.sweepTimer);
  }
}
