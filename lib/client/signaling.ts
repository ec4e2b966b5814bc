/** The Socket.IO signaling connection of a page (same origin; the session cookie authenticates). */
import { io, type Socket } from "socket.io-client";
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from "../protocol.ts";

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * `presence`: "batch" for pages that show who is available (one `user-status-changes` per server
 * flush); "none" for the call room, which has no directory and should not spend a weak link on one.
 */
export function connectSignaling(userId: string, presence: "batch" | "none" = "batch"): SignalingSocket {
  // Reconnect quickly: a short network drop must be bridged within the server's grace period.
  const socket: SignalingSocket = io({
    withCredentials: true,
    auth: { presence },
    reconnectionDelay: 400,
    reconnectionDelayMax: 2000,
  });
  // A connection starts on long-polling, which passes any proxy, and then moves to a WebSocket. Once one has
  // worked, a reconnection (a network switch under a call) opens its WebSocket at once, and falls back to
  // polling in the same attempt: two or three round trips sooner back in the call. A connection that could
  // not be made at all (WebSockets failing halfway on the new network) starts on polling again.
  const startOn = (transports: string[]) =>
    Object.assign(socket.io.opts, { transports, tryAllTransports: true });
  socket.io.on("open", () => socket.io.engine.once("upgrade", () => startOn(["websocket", "polling"])));
  socket.io.on("error", () => startOn(["polling", "websocket"]));
  // Compat: bind the socket to the user on every (re)connection.
  socket.on("connect", () => socket.emit("register", { userId }));
  return socket;
}

type Events = ClientToServerEvents;
type PayloadOf<E extends keyof Events> = Parameters<Events[E]>[0];

/** Emits with an acknowledgement; rejects with the server's error message when `ok` is false. */
export async function request<E extends Exclude<keyof Events, "ping">>(
  socket: SignalingSocket,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs = 8000,
): Promise<Record<string, unknown>> {
  // The generic event name defeats socket.io's overloads; the payload type is still checked above.
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(e: E, p: PayloadOf<E>): Promise<AckResult>;
  };
  let result: AckResult;
  try {
    result = await timed.emitWithAck(event, payload);
  } catch {
    // socket.io's own words ("socket has been disconnected", "operation has timed out") are not for users.
    throw new ConnectionLostError();
  }
  if (!result.ok) throw new SignalingError(result.error.message, result.error.code);
  return result;
}

/** The request got no answer: the connection dropped before it came, or it did not come in time. */
export class ConnectionLostError extends Error {
  constructor() {
    super("the connection to the server dropped; please try again");
  }
}

export class SignalingError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}
