/**
 * The call state machine: pending → active → ended. One implementation for
 * REST and sockets. It changes records in the store atomically and reports
 * what happened through `events`; transports decide whom to tell.
 */
import type { Identity } from "../auth/tokens.ts";
import type { CallDetail, CallRecord, CallSummary, Participant } from "../../lib/types.ts";
import { callDuration } from "../../lib/call_time.ts";
import type { HistoryPage, Store } from "../store/store.ts";
import {
  awaitsArrival,
  finish,
  isParticipant,
  log,
  type Member,
  newCallId,
  validCallId,
} from "./call_rules.ts";
import { type Clock, systemClock } from "./clock.ts";
import { AppError, conflict, forbidden, notFound } from "./errors.ts";
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

export class CallService {
  readonly events = new Listeners<CallEvents>();

  /**
   * Recent call records, for the hot paths (every relayed message, every
   * annotation). This node's own changes update it at once; records other
   * nodes may have changed are re-read after `cacheTtlMs`.
   */
  private readonly cache = new Map<string, { call: CallRecord; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly presence: Presence,
    private readonly cacheTtlMs = 1000,
    readonly clock: Clock = systemClock,
    /** How long an accepted call waits for a participant who has not arrived yet (see awaitsArrival). */
    readonly arrivalWindowMs = 30_000,
  ) {}

  /** Subscribes to what happens to calls from now on; returns the unsubscribe function. */
  listen(listener: Partial<CallEvents>): () => void {
    return this.events.add(listener);
  }

  private remember(call: CallRecord): void {
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

  async create(who: Identity): Promise<CallRecord> {
    if (who.role !== "Technician") {
      throw forbidden("Only Technicians can create calls");
    }
    const now = this.clock.now();
    const call: CallRecord = {
      callId: newCallId(now),
      createdBy: who.userId,
      status: "pending",
      createdAt: now,
      participants: [{
        userId: who.userId,
        username: who.username,
        role: who.role,
        present: false,
      }],
      timeline: [{ at: now, type: "created", userId: who.userId }],
    };
    await this.store.createCall(call);
    this.remember(call);
    return call;
  }

  /** Ends the caller's other pending calls (an earlier ring still on after a double tap, a given-up call). */
  private async endOtherPending(who: Identity, keep: string): Promise<void> {
    const recent = await this.store.listUserCalls(who.userId, { limit: 20 });
    const stale = recent.filter((c) =>
      c.callId !== keep && c.createdBy === who.userId && c.status === "pending" && c.createdAt >= who.since
    );
    for (const old of stale) {
      await this.apply(
        old.callId,
        (c) => c.status === "pending" ? finish(c, this.clock.now(), "cancelled", who.userId) : null,
      );
    }
  }

  async require(callId: string): Promise<CallRecord> {
    const call = await this.store.getCall(validCallId(callId));
    if (!call) throw notFound(`Call ${callId} not found`);
    return call;
  }

  /** Applies a change atomically; `change` throws AppError to refuse, or returns null to leave the call as is. */
  private async update(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts?: { indexUser?: string },
  ): Promise<CallRecord> {
    return (await this.apply(callId, change, opts)).call;
  }

  /** update(), also telling whether the change was made. */
  private async apply(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts?: { indexUser?: string },
  ): Promise<{ call: CallRecord; changed: boolean }> {
    let rungBefore: string | undefined;
    const r = await this.store.updateCall(validCallId(callId), (call) => {
      rungBefore = call.ringing?.to;
      return change(call);
    }, opts);
    if (!r) throw notFound(`Call ${callId} not found`);
    this.remember(r.call);
    this.syncBusy(r.call, rungBefore);
    // `by` is the last timeline entry's user (set by finish() and the change that stopped a ring).
    const by = r.call.timeline.at(-1)?.userId;
    if (r.changed && rungBefore && !r.call.ringing) {
      const outcome = r.call.status === "active" ? "accepted" : r.call.endReason ?? "ended";
      this.events.emit("ringEnded", r.call, outcome, rungBefore, by);
    }
    if (r.changed && r.call.status === "ended") this.events.emit("ended", r.call, by);
    return r;
  }

  /** Keeps presence's busy flags in line with a call's state (`alsoUser`: who was rung before the change). */
  syncBusy(call: CallRecord, alsoUser?: string): void {
    const users = new Set(call.participants.map((p) => p.userId));
    if (call.ringing) users.add(call.ringing.to);
    if (alsoUser) users.add(alsoUser);
    for (const userId of users) {
      const p = call.participants.find((x) => x.userId === userId);
      const busy = (call.status === "active" && !!p?.present) ||
        (call.status === "pending" && call.ringing?.to === userId);
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

  /** Ends a call for everyone (REST `POST /api/calls/:id/end`, CLI). */
  async end(
    who: Identity,
    callId: string,
    reason?: string,
  ): Promise<CallRecord> {
    return await this.update(callId, (call) => {
      if (who.role !== "Admin" && !isParticipant(call, who)) {
        throw forbidden("Only participants or an Admin can end this call");
      }
      if (call.status === "ended") throw conflict("Call already ended");
      return finish(
        call,
        this.clock.now(),
        reason ?? (who.role === "Admin" ? "ended-by-admin" : "ended"),
        who.userId,
      );
    });
  }

  /**
   * The creator rings an Expert (`call-request`). A Technician rings one Expert at a time: a new ring
   * ends the caller's other pending calls (a double tap, a ring refused and given up), whose Experts are
   * told through `ringEnded`.
   */
  async ring(who: Identity, callId: string, to: string): Promise<CallRecord> {
    const [current, target] = await Promise.all([this.require(callId), this.store.getUserByName(to)]);
    if (current.createdBy !== who.userId) throw forbidden("Only the call's creator can ring");
    if (!target || target.role !== "Expert") {
      throw new AppError("BAD_REQUEST", "Only Experts can be called");
    }
    if (current.status === "pending" && !current.ringing) await this.endOtherPending(who, callId);
    if (!this.presence.isOnline(to)) throw conflict("Expert is offline");
    if (this.presence.isDoNotDisturb(to)) throw conflict("Expert does not want to be disturbed");
    if (this.presence.isBusy(to)) throw conflict("Expert is busy");
    const call = await this.update(callId, (call) => {
      if (call.createdBy !== who.userId) {
        throw forbidden("Only the call's creator can ring");
      }
      if (call.status !== "pending") throw conflict(`Call is ${call.status}`);
      if (call.ringing) throw conflict("Call is already ringing");
      const now = this.clock.now();
      call.ringing = { to, since: now };
      log(call, { type: "ringing", userId: to }, now);
      return call;
    }, { indexUser: to }); // the rung Expert sees the call in history whether it is answered or not
    this.events.emit("ringStarted", call, to);
    return call;
  }

  /**
   * Ends a still-ringing call (timeout, cancel, callee offline). Returns null
   * when it was no longer ringing `to`, so whoever gets the record is the one
   * (node, timer) that ended it and the only one to tell the users.
   */
  async stopRinging(
    callId: string,
    to: string,
    reason: "timeout" | "cancelled" | "unavailable",
    by?: string,
  ): Promise<CallRecord | null> {
    const r = await this.apply(callId, (call) => {
      if (call.status !== "pending" || call.ringing?.to !== to) return null;
      return finish(call, this.clock.now(), reason, by);
    });
    return r.changed ? r.call : null;
  }

  async cancel(who: Identity, callId: string): Promise<CallRecord> {
    const call = await this.require(callId);
    if (call.createdBy !== who.userId) {
      throw forbidden("Only the call's creator can cancel");
    }
    if (call.status !== "pending" || !call.ringing) {
      throw conflict("Call is not ringing");
    }
    const ended = await this.stopRinging(callId, call.ringing.to, "cancelled", who.userId);
    if (!ended) throw conflict("Call is not ringing");
    return ended;
  }

  /** The rung Expert answers (`call-response`). */
  async respond(
    who: Identity,
    callId: string,
    accepted: boolean,
  ): Promise<CallRecord> {
    const call = await this.update(callId, (call) => {
      if (call.ringing?.to !== who.userId) {
        if (isParticipant(call, who) || call.status !== "pending") {
          throw conflict("Call is no longer ringing");
        }
        throw forbidden("This call is not ringing you");
      }
      if (call.status !== "pending") throw conflict(`Call is ${call.status}`);
      delete call.ringing;
      const now = this.clock.now();
      if (!accepted) return finish(call, now, "rejected", who.userId);
      call.status = "active";
      call.startTime = now;
      call.participants.push({
        userId: who.userId,
        username: who.username,
        role: who.role,
        joinedAt: now,
        present: true,
      });
      log(call, { type: "accepted", userId: who.userId }, now);
      return call;
    });
    if (call.status === "active") this.events.emit("entered", call, who.userId);
    return call;
  }

  /** Ends an accepted call nobody arrived in (ArrivalWindow); null when someone is there or it ended. */
  async closeIfEmpty(callId: string): Promise<CallRecord | null> {
    const r = await this.apply(callId, (call) => {
      if (call.status !== "active" || call.participants.some((p) => p.present)) return null;
      return awaitsArrival(call, this.clock.now(), this.arrivalWindowMs)
        ? null
        : finish(call, this.clock.now(), "completed");
    });
    return r.changed ? r.call : null;
  }

  /** A participant enters the call room (`join-call`). */
  async join(who: Identity, callId: string): Promise<CallRecord> {
    const call = await this.update(callId, (call) => {
      const p = isParticipant(call, who) && call.participants.find((x) => x.userId === who.userId);
      if (!p) throw forbidden("Only participants can join this call");
      if (call.status === "ended") throw conflict("Call has ended");
      if (p.present) return null;
      p.present = true;
      p.joinedAt = this.clock.now();
      log(call, { type: "joined", userId: who.userId }, p.joinedAt);
      return call;
    });
    this.events.emit("entered", call, who.userId);
    return call;
  }

  /**
   * A participant leaves (`end-call`, or dropped after the grace period).
   * The last one to leave an active call ends it. Returns null when the user
   * was not in the call room.
   */
  async leave(
    userId: string,
    callId: string,
    reason: "left" | "dropped" = "left",
  ): Promise<CallRecord | null> {
    // `changed`, not a flag set inside the change: the store may run the change again after losing a race.
    const r = await this.apply(callId, (call) => {
      const p = call.participants.find((x) => x.userId === userId);
      if (!p || call.status === "ended") return null;
      const now = this.clock.now();
      if (call.status === "pending") {
        if (call.createdBy !== userId) return null;
        return finish(call, now, "cancelled", userId);
      }
      if (!p.present) return null;
      p.present = false;
      p.leftAt = now;
      log(call, { type: reason, userId }, now);
      const keepOpen = reason === "dropped" && awaitsArrival(call, now, this.arrivalWindowMs);
      if (!keepOpen && !call.participants.some((x) => x.present)) {
        finish(call, now, "completed", userId);
      }
      return call;
    });
    if (!r.changed) return null;
    this.events.emit("left", r.call, userId, reason);
    return r.call;
  }

  /** Relays are allowed between two participants of an active call, or creator ↔ rung Expert while pending. */
  async canRelay(
    who: Member,
    callId: string,
    to: string,
  ): Promise<CallRecord> {
    const call = await this.requireCached(callId);
    const from = who.userId;
    const pair = (a: string, b: string) => (from === a && to === b) || (from === b && to === a);
    const ok = call.createdAt >= who.since &&
      (call.status === "active"
        ? isParticipant(call, who) && call.participants.some((p) => p.userId === to)
        : call.status === "pending" && !!call.ringing &&
          pair(call.createdBy, call.ringing.to));
    if (!ok) throw forbidden("Not a participant of this call");
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

export type { Participant };
export { isParticipant, type Member, presentUsers } from "./call_rules.ts";
