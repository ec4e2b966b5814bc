/**
 * Runs bench/crowd.ts: a process of its own that connects and registers a list of
 * users and holds them until stopped. The connection storms and the idle crowd of
 * the steady-state phases both use it, so the process that measures latencies never
 * carries thousands of sockets (or the garbage they leave) itself.
 */
import type { PresenceMode } from "./clients.ts";
import { startLoadProcess } from "./load_process.ts";
import type { BenchUser } from "./provision.ts";

export interface Crowd {
  count: number;
  /** Wall time from the first connect to the last register, in the crowd process (ms). */
  totalMs: number;
  /** Per-client time from connect to the register ack (ms). */
  connectMs: number[];
  /** Disconnects every client and ends the process. */
  stop(): Promise<void>;
}

export async function startCrowd(url: string, users: BenchUser[], presence: PresenceMode): Promise<Crowd> {
  const crowd = await startLoadProcess(new URL("./crowd.ts", import.meta.url), { url, users, presence });
  const ready = JSON.parse(await crowd.line()) as { totalMs: number; connectMs: number[] };
  return { count: users.length, ...ready, stop: crowd.stop };
}
