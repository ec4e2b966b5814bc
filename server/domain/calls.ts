/**
 * The call state machine: pending → active → ended. One implementation for
 * REST and sockets. It changes records in the store atomically and reports
 * what happened through `events`; transports decide whom to tell.
 */
import type { Identity } from "../auth/tokens.ts";
import type { CallRecord, Participant } from "../../lib/types.ts";
import {
  awaitsArrival,
  closeInvitation,
  finish,
  invite,
  isParticipant,
  log,
  newCallId,
  ringingInvitation,
} from "./call_rules.ts";
import { CallRecords } from "./call_records.ts";
import { AppError, conflict, forbidden } from "./errors.ts";

export class CallService extends CallRecords {
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
      invitations: [],
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
    if (current.status === "pending" && !ringingInvitation(current)) await this.endOtherPending(who, callId);
    if (!this.presence.isOnline(to)) throw conflict("Expert is offline");
    if (this.presence.isDoNotDisturb(to)) throw conflict("Expert does not want to be disturbed");
    if (this.presence.isBusy(to)) throw conflict("Expert is busy");
    const call = await this.update(callId, (call) => {
      if (call.createdBy !== who.userId) {
        throw forbidden("Only the call's creator can ring");
      }
      if (call.status !== "pending") throw conflict(`Call is ${call.status}`);
      if (ringingInvitation(call)) throw conflict("Call is already ringing");
      invite(call, { userId: to, role: target.role }, this.clock.now());
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
      if (call.status !== "pending" || !ringingInvitation(call, to)) return null;
      return finish(call, this.clock.now(), reason, by);
    });
    return r.changed ? r.call : null;
  }

  async cancel(who: Identity, callId: string): Promise<CallRecord> {
    const call = await this.require(callId);
    if (call.createdBy !== who.userId) {
      throw forbidden("Only the call's creator can cancel");
    }
    const invitation = ringingInvitation(call);
    if (!invitation) throw conflict("Call is not ringing");
    const ended = await this.stopRinging(callId, invitation.userId, "cancelled", who.userId);
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
      const invitation = ringingInvitation(call, who.userId);
      if (!invitation) {
        if (isParticipant(call, who) || call.status !== "pending") {
          throw conflict("Call is no longer ringing");
        }
        throw forbidden("This call is not ringing you");
      }
      if (call.status !== "pending") throw conflict(`Call is ${call.status}`);
      const now = this.clock.now();
      if (!accepted) return finish(call, now, "rejected", who.userId);
      closeInvitation(invitation, "accepted", now);
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
}

export type { CallEvents } from "./call_records.ts";
export type { Participant };
export { isParticipant, type Member, presentUsers } from "./call_rules.ts";
