/** Real socket.io-client connections for tests, with small await helpers. */
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import type { z } from "zod";
import type {
  AckResult,
  ClientToServerEvents,
  ServerToClientEvents,
  SocketSchemas,
} from "../../lib/protocol.ts";

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects over websocket with the token; resolves once connected. */
export function connect(
  url: string,
  token: string | undefined,
  opts: Record<string, unknown> = {},
): Promise<Client> {
  const socket: Client = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    ...opts,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** What tests listen to: the server's events, and the client's own connection events. */
export interface IncomingEvents extends ServerToClientEvents {
  connect: () => void;
  connect_error: (err: Error) => void;
  disconnect: (reason: Socket.DisconnectReason) => void;
}
export type Incoming = keyof IncomingEvents;
/** What event `E` carries, as lib/protocol.ts declares it. */
export type Received<E extends Incoming> = Parameters<IncomingEvents[E]>[0];
export type Outgoing = keyof ClientToServerEvents;
/** The payload of client event `E` (none for `ping`), then how long to wait for the ack. */
export type SendArgs<E extends Outgoing> = E extends keyof SocketSchemas
  ? [payload: z.input<SocketSchemas[E]>, ms?: number]
  : [payload?: undefined, ms?: number];
/** The payload of client event `E`, as a test builds it ahead of send(). */
export type Sent<E extends Outgoing> = SendArgs<E>[0];

/** An ack: lib/protocol.ts does not declare what each event acknowledges with, so its fields are loose. */
// deno-lint-ignore no-explicit-any
export type Ack = AckResult<any>;

/** Waits for the next `event` (optionally matching `filter`), failing after `ms`. */
export function next<E extends Incoming>(
  socket: Client,
  event: E,
  ms = 3000,
  filter: (payload: Received<E>) => boolean = () => true,
): Promise<Received<E>> {
  return nextRaw(socket, event, ms, filter as (payload: unknown) => boolean) as Promise<Received<E>>;
}

/** next() for any event name and payload: only for tests of what the protocol does not declare. */
export function nextRaw(
  socket: Client,
  event: string,
  ms = 3000,
  filter: (payload: unknown) => boolean = () => true,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // deno-lint-ignore no-explicit-any
    const s = socket as any;
    const handler = (payload: unknown) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      s.off(event, handler);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      s.off(event, handler);
      reject(new Error(`timed out waiting for "${event}"`));
    }, ms);
    s.on(event, handler);
  });
}

/** Collects every `event` received from now on. */
export function collect<E extends Incoming>(socket: Client, event: E): Received<E>[] {
  const seen: Received<E>[] = [];
  // deno-lint-ignore no-explicit-any
  (socket as any).on(event, (p: Received<E>) => seen.push(p));
  return seen;
}

/** Emits with an acknowledgement and resolves with the ack result (acks are not typed per event). */
export function send<E extends Outgoing>(
  socket: Client,
  event: E,
  ...[payload, ms]: SendArgs<E>
): Promise<Ack> {
  return sendRaw(socket, event, payload, ms);
}

/**
 * send() for any event name and payload: only for tests that send what the protocol does not allow
 * (unknown events, malformed or oversized payloads).
 */
export function sendRaw(socket: Client, event: string, payload?: unknown, ms = 3000): Promise<Ack> {
  // deno-lint-ignore no-explicit-any
  const s = socket as any;
  return payload === undefined ? s.timeout(ms).emitWithAck(event) : s.timeout(ms).emitWithAck(event, payload);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts that `event` does NOT arrive within `ms`. */
export async function silent(socket: Client, event: Incoming, ms = 300): Promise<void> {
  try {
    await next(socket, event, ms);
  } catch {
    return;
  }
  throw new Error(`unexpected "${event}"`);
}

/**
 * Sends an offer or answer from one participant's socket to another user and asserts it arrives on
 * `toSocket` stamped with the sender and the call.
 */
export async function assertRelayed(
  fromSocket: Client,
  toSocket: Client,
  kind: "offer" | "answer",
  p: { callId: string; from: string; to: string },
  ms = 5000,
): Promise<void> {
  const description = { type: kind, sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n` };
  const got = next(toSocket, kind, ms);
  const ack = kind === "offer"
    ? await send(fromSocket, "offer", { callId: p.callId, offer: description, to: p.to })
    : await send(fromSocket, "answer", { callId: p.callId, answer: description, to: p.to });
  assert.equal(ack.ok, true, `${kind} acknowledged`);
  assert.deepEqual(await got, { [kind]: description, from: p.from, callId: p.callId });
}

/** Offer from the technician to the expert, answer back: media negotiation works between them. */
export async function assertRoundTrip(
  tech: { socket: Client; userId: string },
  expert: { socket: Client; userId: string },
  callId: string,
  ms = 5000,
): Promise<void> {
  await assertRelayed(
    tech.socket,
    expert.socket,
    "offer",
    { callId, from: tech.userId, to: expert.userId },
    ms,
  );
  await assertRelayed(
    expert.socket,
    tech.socket,
    "answer",
    { callId, from: expert.userId, to: tech.userId },
    ms,
  );
}

/** A client that reconnects by itself every `delayMs` (no backoff, no jitter), as an app on a flaky network; not awaited. */
export function reconnectingClient(url: string, token: string, delayMs = 100): Client {
  return io(url, {
    auth: { token },
    transports: ["websocket"],
    forceNew: true,
    reconnection: true,
    reconnectionDelay: delayMs,
    reconnectionDelayMax: delayMs,
    randomizationFactor: 0,
  });
}

/**
 * Drops `socket`'s connection without a goodbye (the server keeps its session for recovery) and keeps it down
 * until the returned `resume()` reconnects it, so a test decides what happens while it is away.
 */
export function dropAndHold(socket: Client): (ms?: number) => Promise<void> {
  socket.io.reconnection(false);
  // deno-lint-ignore no-explicit-any
  (socket.io as any).engine.close();
  return async (ms = 10_000) => {
    const back = next(socket, "connect", ms);
    socket.io.reconnection(true);
    socket.connect();
    await back;
  };
}

/** What a client resumes with after a drop (connection state recovery): its session id and last offset. */
export interface ResumableSession {
  pid: string;
  offset: string;
}

/** The session `socket` would resume; fails when the server did not enable recovery or nothing arrived yet. */
export function sessionOf(socket: Client): ResumableSession {
  // deno-lint-ignore no-explicit-any
  const { _pid: pid, _lastOffset: offset } = socket as any;
  if (!pid || !offset) throw new Error("no resumable session: is connection state recovery on?");
  return { pid, offset };
}

/** A new client, not yet connected (call `connect()`), that resumes `session` at `url` as if it were the same one. */
export function resumingClient(url: string, token: string, session: ResumableSession): Client {
  const socket: Client = io(url, {
    auth: { token },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  // deno-lint-ignore no-explicit-any
  Object.assign(socket as any, { _pid: session.pid, _lastOffset: session.offset });
  return socket;
}

/** Counts the TCP writes of a server-side socket's WebSocket from now on (engine.io's `ws` underneath). */
export function countTcpWrites(serverSide: { conn: unknown }): () => number {
  // deno-lint-ignore no-explicit-any
  const tcp = (serverSide.conn as any).transport.socket._socket;
  let writes = 0;
  for (const method of ["_write", "_writev"]) {
    const original = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return () => writes;
}
