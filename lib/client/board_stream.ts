/**
 * A call page's board stream: a second connection to the server, receive-only, that brings copies of the
 * call's new annotations and chat messages (server/signaling/board_stream.ts). On a lossy link the
 * signaling socket's TCP holds everything behind a lost segment until it is sent again; this connection
 * loses other segments, so a copy here often comes first. CallBoard keeps whichever comes first.
 */
import { io, type Socket } from "socket.io-client";
import { BOARD_NAMESPACE } from "../board_namespace.ts";
import type { BoardStreamEvents } from "../protocol.ts";
import type { Annotation, ChatMessage } from "../types.ts";

// deno-lint-ignore ban-types
type NoEvents = {};

export interface BoardCopies {
  annotation(a: Annotation): void;
  chat(m: ChatMessage): void;
}

/** Opens the stream for `callId`; the returned function closes it. */
export function openBoardStream(callId: string, copies: BoardCopies): () => void {
  // forceNew: a connection of its own (by default Socket.IO multiplexes namespaces over one), and straight
  // to a WebSocket, since the signaling socket got there first; polling when WebSockets fail.
  const socket: Socket<BoardStreamEvents, NoEvents> = io(BOARD_NAMESPACE, {
    forceNew: true,
    withCredentials: true,
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 400,
    reconnectionDelayMax: 2000,
  });
  socket.on("annotation", ({ callId: c, ...a }) => c === callId && copies.annotation(a));
  socket.on("chat", ({ callId: c, ...m }) => c === callId && copies.chat(m));
  return () => socket.close();
}
