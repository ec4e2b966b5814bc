/** Annotations and chat: stored first (an ack means durable), then sent to the rest of the call room. */
import type { Deps } from "../context.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoSocket } from "./types.ts";

export function registerAnnotations(deps: Deps, socket: IoSocket, h: HandlerDeps): void {
  const userId = socket.data.identity.userId;
  const { annotations } = deps;

  on(socket, h, "annotation", async ({ callId, from: _from, ...input }) => {
    const stored = await annotations.put(userId, callId, input);
    socket.to(rooms.call(callId)).emit("annotation", { ...stored, callId });
    return { id: stored.id };
  });

  on(socket, h, "annotation-delete", async ({ callId, id }) => {
    await annotations.delete(userId, callId, id);
    socket.to(rooms.call(callId)).emit("annotation-deleted", { callId, id, from: userId });
    return { id };
  });

  on(socket, h, "annotation-clear", async ({ callId }) => {
    await annotations.clear(userId, callId);
    socket.to(rooms.call(callId)).emit("annotations-cleared", { callId, from: userId });
  });

  on(socket, h, "chat", async ({ callId, id, text }) => {
    const message = await annotations.chat(userId, callId, id, text);
    socket.to(rooms.call(callId)).emit("chat", { ...message, callId });
    return { message };
  });
}
