/**
 * Call setup over sockets: call-request, call-cancel, call-response, join-call, end-call. The domain
 * decides (CallService, RingTimers, Departures); this file turns socket events into domain calls and
 * domain events into what each user is told.
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
  private readonly unsubscribe: () => void;

  constructor(private readonly io: IoServer, private readonly deps: Deps) {
    this.unsubscribe = deps.calls.listen({
      ringEnded: (call, outcome, to, by) => this.tellRingEnded(call, outcome, to, by),
      left: (call, userId, how) => this.tellLeft(call, userId, how),
      ended: (call, by) => this.tellEnded(call, by),
    });
  }

  register(socket: IoSocket, h: HandlerDeps): void {
    const { calls, rings } = this.deps;
    const who = socket.data.identity;

    on(socket, h, "call-request", async ({ callId, to }) => {
      await calls.ring(who, callId, to);
      this.io.to(rooms.user(to)).emit("call-request", {
        callId,
        from: who.userId,
        fromUsername: who.username,
      });
      return { callId, ringingUntil: rings.deadline() };
    });

    on(socket, h, "call-cancel", async ({ callId }) => {
      await calls.cancel(who, callId);
      return { callId };
    });

    on(socket, h, "call-response", async ({ callId, accepted }) => {
      const call = await calls.respond(who, callId, accepted);
      socket.to(rooms.user(who.userId)).emit("call-request-handled", { callId, accepted });
      if (accepted) await this.enterRoom(socket, who, call);
      return { callId, status: call.status };
    });

    on(socket, h, "join-call", async ({ callId }) => {
      const call = await calls.join(who, callId);
      await this.enterRoom(socket, who, call);
      return { callId, status: call.status };
    });

    on(socket, h, "end-call", async ({ callId }) => {
      // Not in the room (already left, or never joined): still acknowledged, as the old server did.
      if (!(await calls.leave(who.userId, callId, "left"))) await calls.require(callId);
      const message = "Call ended successfully";
      socket.emit("call-ended-successfully", { userId: who.userId, callId, message });
      return { callId, message };
    });
  }

  /** A session recovered on this node, possibly begun on another one: its restored call rooms come along. */
  adopt(socket: IoSocket): void {
    const userId = socket.data.identity.userId;
    const suffix = `:user:${userId}`;
    const callIds = [...socket.rooms].filter((room) => room.startsWith("call:") && room.endsWith(suffix))
      .map((room) => room.slice("call:".length, -suffix.length));
    this.deps.departures.adopt(userId, callIds);
  }

  close(): void {
    this.unsubscribe();
  }

  /** Puts a socket in the call's rooms and tells it and the others who is there. */
  private async enterRoom(socket: IoSocket, who: Identity, call: CallRecord): Promise<void> {
    const { callId } = call;
    socket.join([rooms.call(callId), rooms.callUser(callId, who.userId)]);
    const { annotations, messages } = await this.deps.annotations.contents(callId);
    const present = call.participants.filter((p) => p.present && p.userId !== who.userId);
    socket.emit("existing-users", {
      callId,
      users: present.map(({ userId, username, role }) => ({ userId, username, role })),
    });
    socket.emit("existing-annotations", { callId, annotations });
    socket.emit("existing-chat", { callId, messages });
    if (call.frozen) socket.emit("frame-frozen", { ...call.frozen, callId });
    socket.to(rooms.call(callId)).emit("user-joined", {
      userId: who.userId,
      role: who.role,
      socketId: socket.id,
      totalUsers: presentUsers(call).length,
      callId,
    });
  }

  /** The caller hears how its ring ended; the rung Expert's dialogs close. */
  private tellRingEnded(call: CallRecord, outcome: string, to: string, by: string | undefined): void {
    const { callId, createdBy } = call;
    if (outcome === "cancelled") {
      this.io.to(rooms.user(to)).emit("call-cancelled", { callId, from: by, reason: "cancelled" });
      return;
    }
    const accepted = outcome === "accepted";
    this.io.to(rooms.user(createdBy)).emit("call-response", {
      callId,
      from: to,
      accepted,
      ...(accepted ? {} : { reason: outcome }),
    });
    if (outcome === "timeout") {
      this.io.to(rooms.user(to)).emit("call-cancelled", { callId, reason: "timeout" });
    }
  }

  /** After a participant left (end-call or dropped): its sockets leave the rooms, the rest are told. */
  private tellLeft(call: CallRecord, userId: string, how: "left" | "dropped"): void {
    const { callId } = call;
    this.io.in(rooms.callUser(callId, userId)).socketsLeave([
      rooms.call(callId),
      rooms.callUser(callId, userId),
    ]);
    if (call.status === "ended") return; // last one out: nobody left to tell
    if (how === "left") this.io.to(rooms.call(callId)).emit("call-ended", { from: userId, callId });
    else this.io.to(rooms.call(callId)).emit("user-left", { userId, callId });
  }

  /** A call ended (last one out, REST end, admin): everyone in it is told and leaves its rooms. */
  private tellEnded(call: CallRecord, by: string | undefined): void {
    this.deps.annotations.forget(call.callId);
    if (!TOLD_ELSEWHERE.has(call.endReason ?? "")) {
      this.io.to(rooms.call(call.callId)).emit("call-ended", {
        from: by,
        callId: call.callId,
        reason: call.endReason,
      });
    }
    this.io.in(rooms.call(call.callId)).socketsLeave(rooms.call(call.callId));
  }
}
