/**
 * WebRTC signaling relay: offer, answer and ICE candidates go from one
 * participant to another, stamped with the sender. While the call is
 * active they go only to the target's sockets that joined the call; while
 * it rings (creator ↔ rung Expert), and to a participant not in the room
 * yet (the caller between the answer and its join), to all of its sockets.
 */
import type { Deps } from "../context.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoServer, IoSocket } from "./types.ts";

export function registerRelay(io: IoServer, deps: Deps, socket: IoSocket, h: HandlerDeps): void {
  const who = socket.data.identity;
  const from = who.userId;
  const target = async (callId: string, to: string) => {
    const call = await deps.calls.canRelay(who, callId, to);
    const inRoom = call.status === "active" && call.participants.some((p) => p.userId === to && p.present);
    return io.to(inRoom ? rooms.callUser(callId, to) : rooms.user(to));
  };

  on(socket, h, "offer", async ({ callId, offer, to }) => {
    (await target(callId, to)).emit("offer", { offer, from, callId });
    h.metrics?.relayed("offer");
  });
  on(socket, h, "answer", async ({ callId, answer, to }) => {
    (await target(callId, to)).emit("answer", { answer, from, callId });
    h.metrics?.relayed("answer");
  });
  on(socket, h, "ice-candidate", async ({ callId, candidate, to }) => {
    (await target(callId, to)).emit("ice-candidate", { candidate, from, callId });
    h.metrics?.relayed("ice-candidate");
  });
}
