/**
 * Call setup over sockets: call-request (ringing with a timeout), call-cancel,
 * call-response, join-call, end-call. Rules live in the domain (CallService);
 * this file decides who is told what.
 */
import type { CallRecord } from "../../lib/types.ts";
import type { Identity } from "../auth/tokens.ts";
import type { Deps } from "../context.ts";
import { presentUsers } from "../domain/calls.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoServer, IoSocket } from "./types.ts";

/** Reasons whose end is already told by call-response / call-cancelled, not by call-ended. */
const TOLD_ELSEWHERE = new Set(["rejected", "timeout", "cancelled", "unavailable"]);

export class CallSignaling {
  /** callId → ring timer for calls this node rang. */
  private readonly rings = new Map<
    string,
    { to: string; creator: string; timer: ReturnType<typeof setTimeout> }
  >();
  /** userId → calls the user joined through a socket of this node. */
  private readonly joined = new Map<string, Set<string>>();
  private recoveryTimer?: ReturnType<typeof setTimeout>;
  private sweepTimer?: ReturnType<typeof setInterval>;

  constructor(private readonly io: IoServer, private readonly deps: Deps) {
    deps.calls.events = {
      ended: (call, by) => this.onEnded(call, by),
      ringStopped: (callId, to) => {
        this.stopRingTimer(callId);
        this.io.to(rooms.user(to)).emit("call-cancelled", { callId, reason: "cancelled" });
      },
    };
  }

  register(socket: IoSocket, h: HandlerDeps): void {
    const { calls, store } = this.deps;
    const who = socket.data.identity;

    on(socket, h, "call-request", async ({ callId, to }) => {
      const target = await store.getUserByName(to);
      const call = await calls.ring(who, callId, to, target);
      this.io.to(rooms.user(to)).emit("call-request", {
        callId,
        from: who.userId,
        fromUsername: who.username,
      });
      this.startRinging(call, to);
      return { callId, ringingUntil: Date.now() + this.deps.config.ringTimeoutMs };
    });

    on(socket, h, "call-cancel", async ({ callId }) => {
      const call = await calls.cancel(who, callId);
      const to = this.stopRingTimer(callId) ?? call.timeline.findLast((t) => t.type === "ringing")?.userId;
      if (to) {
        this.io.to(rooms.user(to)).emit("call-cancelled", { callId, from: who.userId, reason: "cancelled" });
      }
      return { callId };
    });

    on(socket, h, "call-response", async ({ callId, accepted }) => {
      const call = await calls.respond(who, callId, accepted);
      this.stopRingTimer(callId);
      socket.to(rooms.user(who.userId)).emit("call-request-handled", { callId, accepted });
      this.io.to(rooms.user(call.createdBy)).emit("call-response", {
        callId,
        from: who.userId,
        accepted,
        ...(accepted ? {} : { reason: "rejected" }),
      });
      if (accepted) await this.enterRoom(socket, who, call);
      return { callId, status: call.status };
    });

    on(socket, h, "join-call", async ({ callId }) => {
      const call = await calls.join(who, callId);
      await this.enterRoom(socket, who, call);
      return { callId, status: call.status };
    });

    on(socket, h, "end-call", async ({ callId }) => {
      const call = await calls.leave(who.userId, callId, "left");
      if (!call) {
        // Not in the room (already left, or never joined): still acknowledge, as the old server did.
        await calls.require(callId);
      } else {
        this.afterLeave(who.userId, call, "end-call");
      }
      const message = "Call ended successfully";
      socket.emit("call-ended-successfully", { userId: who.userId, callId, message });
      return { callId, message };
    });
  }

  /**
   * A session recovered on this node, possibly begun on another one: the
   * calls its restored rooms show count as joined through this node, so a
   * later drop here leaves them.
   */
  adopt(socket: IoSocket): void {
    const userId = socket.data.identity.userId;
    const suffix = `:user:${userId}`;
    for (const room of socket.rooms) {
      if (!room.startsWith("call:") || !room.endsWith(suffix)) continue;
      const set = this.joined.get(userId) ?? new Set<string>();
      set.add(room.slice("call:".length, -suffix.length));
      this.joined.set(userId, set);
    }
  }

  /** Puts a socket in the call's rooms and tells it and the others who is there. */
  private async enterRoom(socket: IoSocket, who: Identity, call: CallRecord): Promise<void> {
    const { callId } = call;
    socket.join([rooms.call(callId), rooms.callUser(callId, who.userId)]);
    const set = this.joined.get(who.userId) ?? new Set<string>();
    set.add(callId);
    this.joined.set(who.userId, set);
    const [annotations, messages] = await Promise.all([
      this.deps.store.listAnnotations(callId),
      this.deps.store.listChat(callId),
    ]);
    const present = call.participants.filter((p) => p.present && p.userId !== who.userId);
    socket.emit("existing-users", {
      callId,
      users: present.map(({ userId, username, role }) => ({ userId, username, role })),
    });
    socket.emit("existing-annotations", { callId, annotations });
    socket.emit("existing-chat", { callId, messages });
    socket.to(rooms.call(callId)).emit("user-joined", {
      userId: who.userId,
      role: who.role,
      socketId: socket.id,
      totalUsers: presentUsers(call).length,
      callId,
    });
  }

  /** After a participant left (end-call or dropped): sockets leave the rooms, the rest are told. */
  private afterLeave(userId: string, call: CallRecord, how: "end-call" | "dropped"): void {
    const { callId } = call;
    this.joined.get(userId)?.delete(callId);
    this.io.in(rooms.callUser(callId, userId)).socketsLeave([
      rooms.call(callId),
      rooms.callUser(callId, userId),
    ]);
    if (call.status === "ended") return; // last one out: nobody left to tell
    if (how === "end-call") this.io.to(rooms.call(callId)).emit("call-ended", { from: userId, callId });
    else this.io.to(rooms.call(callId)).emit("user-left", { userId, callId });
  }

  private startRinging(call: CallRecord, to: string, ms = this.deps.config.ringTimeoutMs): void {
    const timer = setTimeout(() => {
      this.rings.delete(call.callId);
      this.timeOut(call.callId, to, call.createdBy).catch((e) =>
        this.deps.log.error({ event: "ring-timeout", err: String(e) }, "ring timeout failed")
      );
    }, ms);
    this.rings.set(call.callId, { to, creator: call.createdBy, timer });
  }

  /** Ends a ring that ran out of time; only the node (timer or sweep) whose change ended it tells the users. */
  private async timeOut(callId: string, to: string, creator: string): Promise<void> {
    const ended = await this.deps.calls.stopRinging(callId, to, "timeout");
    if (!ended) return; // answered, cancelled, or timed out elsewhere
    this.io.to(rooms.user(creator)).emit("call-response", {
      callId,
      from: to,
      accepted: false,
      reason: "timeout",
    });
    this.io.to(rooms.user(to)).emit("call-cancelled", { callId, reason: "timeout" });
  }

  /**
   * Multi-node: every `everyMs`, rings past their timeout end here whatever
   * node rang them, so a ring whose node died still times out (at most
   * `everyMs` late). Nodes racing on one ring are settled by stopRinging.
   */
  startSweeping(everyMs: number): void {
    let sweeping = false;
    this.sweepTimer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      this.sweepRings().catch((e) =>
        this.deps.log.error({ event: "ring-sweep", err: String(e) }, "ring sweep failed")
      ).finally(() => (sweeping = false));
    }, everyMs);
  }

  private async sweepRings(): Promise<void> {
    const now = Date.now();
    for (const call of await this.deps.calls.open()) {
      const ring = call.ringing;
      if (!ring || this.rings.has(call.callId)) continue; // not ringing, or this node's own timer has it
      if (ring.since + this.deps.config.ringTimeoutMs > now) continue;
      await this.timeOut(call.callId, ring.to, call.createdBy);
    }
  }

  private stopRingTimer(callId: string): string | undefined {
    const ring = this.rings.get(callId);
    if (!ring) return undefined;
    clearTimeout(ring.timer);
    this.rings.delete(callId);
    return ring.to;
  }

  /** A call ended by the domain (REST end, admin): everyone in it is told and leaves its rooms. */
  private onEnded(call: CallRecord, by: string | undefined): void {
    this.stopRingTimer(call.callId);
    this.deps.annotations.forget(call.callId);
    for (const p of call.participants) this.joined.get(p.userId)?.delete(call.callId);
    if (!TOLD_ELSEWHERE.has(call.endReason ?? "")) {
      this.io.to(rooms.call(call.callId)).emit("call-ended", {
        from: by,
        callId: call.callId,
        reason: call.endReason,
      });
    }
    this.io.in(rooms.call(call.callId)).socketsLeave(rooms.call(call.callId));
  }

  /** The user's grace period ran out: leave its calls, stop its rings. */
  async userGone(userId: string): Promise<void> {
    for (const [callId, ring] of [...this.rings]) {
      if (ring.creator !== userId && ring.to !== userId) continue;
      this.stopRingTimer(callId);
      await this.stopRingOfGoneUser(callId, ring.to, ring.creator, userId);
    }
    for (const callId of [...(this.joined.get(userId) ?? [])]) {
      await this.drop(userId, callId);
    }
    this.joined.delete(userId);
  }

  /**
   * The users' node died, so nobody did userGone's work for the calls and
   * rings they had there: do it from the store, in one pass over the open
   * calls. Every surviving node may run this; the domain lets one change win.
   */
  async usersLost(userIds: string[]): Promise<void> {
    for (const userId of userIds) await this.userGone(userId);
    const lost = new Set(userIds);
    for (const call of await this.deps.calls.open()) {
      const ring = call.ringing;
      if (ring) {
        const who = lost.has(call.createdBy) ? call.createdBy : lost.has(ring.to) ? ring.to : undefined;
        if (who) await this.stopRingOfGoneUser(call.callId, ring.to, call.createdBy, who);
        continue;
      }
      for (const p of call.participants) {
        if (p.present && lost.has(p.userId)) await this.drop(p.userId, call.callId);
      }
    }
  }

  /** A gone caller cancels its ring; a gone callee is unavailable. Told only by the node that ended it. */
  private async stopRingOfGoneUser(
    callId: string,
    to: string,
    creator: string,
    userId: string,
  ): Promise<void> {
    const callerGone = creator === userId;
    const ended = await this.deps.calls.stopRinging(
      callId,
      to,
      callerGone ? "cancelled" : "unavailable",
      userId,
    );
    if (!ended) return;
    if (callerGone) this.io.to(rooms.user(to)).emit("call-cancelled", { callId, from: userId });
    else {
      this.io.to(rooms.user(creator)).emit("call-response", {
        callId,
        from: userId,
        accepted: false,
        reason: "unavailable",
      });
    }
  }

  /** Takes a user who is gone out of a call; the room hears `user-left` only from the change that did it. */
  private async drop(userId: string, callId: string): Promise<void> {
    const call = await this.deps.calls.leave(userId, callId, "dropped");
    if (call) this.afterLeave(userId, call, "dropped");
  }

  /**
   * After a (re)start: calls left open keep going for those who come back;
   * rings resume with their remaining time, and participants who have not
   * reconnected once the grace period (plus reconnect slack) is over are
   * treated as dropped.
   */
  async recover(): Promise<void> {
    const open = await this.deps.calls.open();
    for (const call of open) {
      for (const p of call.participants.filter((p) => p.present)) {
        const set = this.joined.get(p.userId) ?? new Set<string>();
        set.add(call.callId);
        this.joined.set(p.userId, set);
      }
      if (call.ringing) {
        const elapsed = Date.now() - call.ringing.since;
        this.startRinging(call, call.ringing.to, Math.max(0, this.deps.config.ringTimeoutMs - elapsed));
      }
    }
    const users = new Set(open.flatMap((c) => c.participants.filter((p) => p.present).map((p) => p.userId)));
    if (!users.size) return;
    this.recoveryTimer = setTimeout(async () => {
      for (const userId of users) {
        const sockets = await this.io.in(rooms.user(userId)).fetchSockets();
        if (sockets.length === 0) await this.userGone(userId).catch(() => {});
      }
    }, this.deps.config.graceMs + this.deps.config.restartSlackMs);
  }

  close(): void {
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    clearInterval(this.sweepTimer);
    for (const r of this.rings.values()) clearTimeout(r.timer);
    this.rings.clear();
  }
}
