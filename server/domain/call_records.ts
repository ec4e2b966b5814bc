/**
 * The records side of CallService: reading call records (cached for the hot paths), who may see a call,
 * relay in it or annotate it, the listings; and writing a record atomically, which publishes the ring and
 * end events and keeps presence's busy flags in line. The state machine itself is in calls.ts.
 */
import type { Identity } from "../auth/tokens.ts";
import type { CallDetail, CallRecord, CallSummary } from "../../lib/types.ts";
import { callDuration } from "../../lib/call_time.ts";
import type { HistoryPage, Store } from "../store/store.ts";
import { isParticipant, mayRelay, type Member, ringingInvitations, validCallId } from "./call_rules.ts";
import { type Clock, systemClock } from "./clock.ts";
import { conflict, forbidden, notFound } from "./errors.ts";
import { Listeners } from "./listeners.ts";
import type { Presence } from "./presence.ts";

/** What happens to calls, for any number of subscribers (signaling, ring timers, departures, metrics). */
export interface CallEvents {
  /** The call ended; `by` is who ended it (undefined: the system, e.g. a timeout). */
  ended(call: CallRecord, by: string | undefined): void;
  /** The creator rang `to`. */
  ringStarted(call: CallRecord, to: string): void;
  /** A ring stopped: "accepted", or why not (the call's end reason: rejected, timeout, cancelled…). */
  ringEnded(call: CallRecord, outcome: string, to: string, by: string | undefined): void;
  /** `userId` is in the call room (accepted, joined or joined again). */
  entered(call: CallRecord, userId: string): void;
  /** `userId` left the call room: "left" (end-call) or "dropped" (gone past the grace period). */
  left(call: CallRecord, userId: string, how: "left" | "dropped"): void;
}
export class CallRecords {
  readonly events = new Listeners<CallEvents>();

  /**
   * Recent call records, for the hot paths (every relayed message, every
   * annotation). This node's own changes update it at once; records other
   * nodes may have changed are re-read after `cacheTtlMs`.
   */
  private readonly cache = new Map<string, { call: CallRecord; at: number }>();

  constructor(
    protected readonly store: Store,
    protected readonly presence: Presence,
    private readonly cacheTtlMs = 1000,
    readonly clock: Clock = systemClock,
    /** How long an accepted call waits for a participant who has not arrived yet (see awaitsArrival). */
    readonly arrivalWindowMs = 30_000,
  ) {}

  /** Subscribes to what happens to calls from now on; returns the unsubscribe function. */
  listen(listener: Partial<CallEvents>): () => void {
    return this.events.add(listener);
  }

  protected remember(call: CallRecord): void {
    this.cache.delete(call.callId); // re-insert: Map order doubles as least-recently-written first
    if (call.status === "ended") return; // nothing is relayed in an ended call: no need to keep it
    this.cache.set(call.callId, { call, at: this.clock.now() });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Like require(), served from the cache when fresh. */
  private async requireCached(callId: string): Promise<CallRecord> {
    const hit = this.cache.get(callId);
    if (hit && this.clock.now() - hit.at < this.cacheTtlMs) return hit.call;
    const call = await this.require(callId);
    this.remember(call);
    return call;
  }
  async require(callId: string): Promise<CallRecord> {
    const call = await this.store.getCall(validCallId(callId));
    if (!call) throw notFound(`Call ${callId} not found`);
    return call;
  }

  /** Applies a change atomically; `change` throws AppError to refuse, or returns null to leave the call as is. */
  protected async update(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts?: { indexUser?: string },
  ): Promise<CallRecord> {
    return (await this.apply(callId, change, opts)).call;
  }

  /** update(), also telling whether the change was made. */
  protected async apply(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts?: { indexUser?: string },
  ): Promise<{ call: CallRecord; changed: boolean }> {
    let rungBefore: string[] = [];
    const r = await this.store.updateCall(validCallId(callId), (call) => {
      rungBefore = ringingInvitations(call).map((i) => i.userId);
      return change(call);
    }, opts);
    if (!r) throw notFound(`Call ${callId} not found`);
    this.remember(r.call);
    this.syncBusy(r.call, rungBefore);
    // `by` is the last timeline entry's user (set by finish() and the change that stopped a ring).
    const by = r.call.timeline.at(-1)?.userId;
    for (const to of r.changed ? rungBefore : []) {
      const invitation = r.call.invitations?.findLast((i) => i.userId === to);
      if (!invitation || invitation.state === "ringing") continue;
      const outcome = invitation.state === "accepted" ? "accepted" : r.call.endReason ?? invitation.state;
      this.events.emit("ringEnded", r.call, outcome, to, by);
    }
    if (r.changed && r.call.status === "ended") this.events.emit("ended", r.call, by);
    return r;
  }

  /** Keeps presence's busy flags in line with a call's state (`alsoUsers`: who was rung before the change). */
  syncBusy(call: CallRecord, alsoUsers: string[] = []): void {
    const rung = ringingInvitations(call).map((i) => i.userId);
    const users = new Set([...call.participants.map((p) => p.userId), ...rung, ...alsoUsers]);
    for (const userId of users) {
      const p = call.participants.find((x) => x.userId === userId);
      const busy = (call.status === "active" && !!p?.present) || rung.includes(userId);
      this.presence.setBusy(userId, call.callId, busy);
    }
  }
  async detail(who: Identity, callId: string): Promise<CallDetail> {
    const call = await this.require(callId);
    if (who.role !== "Admin" && !isParticipant(call, who)) {
      throw forbidden("Only participants can see this call");
    }
    const [annotations, chat] = await Promise.all([
      this.store.listAnnotations(callId),
      this.store.listChat(callId),
    ]);
    return { ...call, annotations, chat, duration: callDuration(call, this.clock.now()) };
  }
  /** Relays follow the call's members (call_rules.ts mayRelay), for a user who existed when it was made. */
  async canRelay(
    who: Member,
    callId: string,
    to: string,
  ): Promise<CallRecord> {
    const call = await this.requireCached(callId);
    if (call.createdAt < who.since || !mayRelay(call, who.userId, to)) {
      throw forbidden("Not a participant of this call");
    }
    return call;
  }

  /** Annotations and chat: only participants of an active call. */
  async requireActiveParticipant(
    who: Member,
    callId: string,
  ): Promise<CallRecord> {
    const call = await this.requireCached(callId);
    if (!isParticipant(call, who)) {
      throw forbidden("Not a participant of this call");
    }
    if (call.status !== "active") throw conflict(`Call is ${call.status}`);
    return call;
  }

  async summaries(): Promise<CallSummary[]> {
    // Sort before counting: counts[i] must belong to calls[i].
    const calls = (await this.store.listCalls()).sort((a, b) => b.createdAt - a.createdAt);
    const counts = await Promise.all(
      calls.map((c) => this.store.countAnnotations(c.callId)),
    );
    const now = this.clock.now();
    return calls.map((c, i) => ({
      callId: c.callId,
      users: c.participants.map((p) => p.userId),
      startTime: c.startTime ?? c.createdAt,
      duration: callDuration(c, now),
      annotations: counts[i],
      status: c.status,
    }));
  }

  async history(who: Identity, page: HistoryPage): Promise<CallRecord[]> {
    // The index is by username: an earlier user of the same name may have left calls in it.
    return (await this.store.listUserCalls(who.userId, page)).filter((c) => c.createdAt >= who.since);
  }

  /** Calls that are not ended (for restart recovery and presence). */
  open(): Promise<CallRecord[]> {
    return this.store.listOpenCalls();
  }
}
