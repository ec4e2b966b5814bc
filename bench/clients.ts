/** socket.io-client connections for the load generator. */
import { io, type Socket } from "socket.io-client";
import type { BenchUser } from "./provision.ts";
import { now, pool } from "./stats.ts";

export interface BenchClient {
  user: BenchUser;
  socket: Socket;
}

/**
 * How clients take presence: "batch" as MobiMaint's pages do (one `user-status-changes` per
 * server flush), "legacy" as the old mobile clients (one `user-status-change` per change).
 */
export type PresenceMode = "batch" | "legacy";

/** Connects one client over websocket and registers; resolves with the time it took (ms). */
export function connectOne(
  url: string,
  user: BenchUser,
  presence: PresenceMode = "batch",
): Promise<{ client: BenchClient; ms: number }> {
  const start = now();
  const socket = io(url, {
    auth: presence === "batch" ? { token: user.token, presence } : { token: user.token },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (e) => reject(new Error(`connect ${user.username}: ${e.message}`)));
    socket.once("connect", () => {
      socket.emit("register", { userId: user.id }, (ack: { ok: boolean }) => {
        if (!ack.ok) reject(new Error(`register ${user.username} failed`));
        else resolve({ client: { user, socket }, ms: now() - start });
      });
    });
  });
}

export async function connectAll(
  url: string,
  users: BenchUser[],
  presence: PresenceMode = "batch",
  concurrency = 250,
) {
  const results = await pool(users, concurrency, (u) => connectOne(url, u, presence));
  return { clients: results.map((r) => r.client), connectMs: results.map((r) => r.ms) };
}

export async function disconnectAll(clients: BenchClient[]): Promise<void> {
  for (const c of clients) c.socket.close();
  await new Promise((r) => setTimeout(r, 200));
}

/** Emits with an ack, rejecting on `{ok: false}` or after `ms`. */
export function ask<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  payload: unknown,
  ms = 10_000,
) {
  return new Promise<T>((resolve, reject) => {
    socket.timeout(ms).emit(
      event,
      payload,
      (err: Error | null, ack: { ok: boolean; error?: { code: string } }) => {
        if (err) reject(err);
        else if (!ack.ok) reject(new Error(`${event}: ${ack.error?.code}`));
        else resolve(ack as T);
      },
    );
  });
}
