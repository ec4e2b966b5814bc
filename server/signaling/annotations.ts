/**
 * Annotations and chat. An annotation goes to the rest of the call room as
 * soon as it passed the checks, while it is written; the sender's ack comes
 * once it is durable. Chat is stored first, then sent. Both also go to the
 * recipients' board streams (board_stream.ts), a second way in on a lossy link.
 */
import type { Deps } from "../context.ts";
import type { BoardStream } from "./board_stream.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoSocket } from "./types.ts";

export function registerAnnotations(
  deps: Deps,
  board: BoardStream,
  socket: IoSocket,
  h: HandlerDeps,
): void {
  const who = socket.data.identity;
  const userId = who.userId;
  const { annotations } = deps;

  on(socket, h, "annotation", async ({ callId, from: _from, ...input }) => {
    let sent = false;
    try {
      await annotations.put(who, callId, input, (a, recipients) => {
        sent = true;
        const event = { ...a, callId };
        socket.to(rooms.call(callId)).emit("annotation", event);
        board.copy("annotation", event, recipients);
      });
    } catch (e) {
      // Sent to the room but not stored: take it back so nobody keeps what history will not have.
      if (sent) {
        socket.to(rooms.call(callId)).emit("annotation-deleted", { callId, id: input.id, from: userId });
      }
      throw e;
    }
    return { id: input.id };
  });

  on(socket, h, "annotation-delete", async ({ callId, id }) => {
    await annotations.delete(who, callId, id);
    socket.to(rooms.call(callId)).emit("annotation-deleted", { callId, id, from: userId });
    return { id };
  });

  on(socket, h, "annotation-clear", async ({ callId }) => {
    await annotations.clear(who, callId);
    socket.to(rooms.call(callId)).emit("annotations-cleared", { callId, from: userId });
  });

  on(socket, h, "chat", async ({ callId, id, text }) => {
    const { message, recipients } = await annotations.chat(who, callId, id, text);
    const event = { ...message, callId };
    socket.to(rooms.call(callId)).emit("chat", event);
    board.copy("chat", event, recipients);
    return { message };
  });
}
