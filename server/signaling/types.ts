/** Typed Socket.IO server and socket, shared by the signaling handlers. */
import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/protocol.ts";
import type { Identity } from "../auth/tokens.ts";

export interface SocketData {
  identity: Identity;
}

// deno-lint-ignore ban-types
type NoEvents = {};
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoEvents, SocketData>;
