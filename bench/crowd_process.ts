/**
 * Runs bench/crowd.ts: a process of its own that connects and registers a list of
 * users and holds them until stopped. The connection storms and the idle crowd of
 * the steady-state phases both use it, so the process that measures latencies never
 * carries thousands of sockets (or the garbage they leave) itself.
 */
import { serverV8Arg } from "../server/runtime_flags.ts";
import type { PresenceMode } from "./clients.ts";
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
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify({ url, users, presence }));
  const child = new Deno.Command(Deno.execPath(), {
    // The load generator runs with the server's V8 flags too: its own GC pauses are not the server's latency.
    args: ["run", "-A", serverV8Arg, new URL("./crowd.ts", import.meta.url).pathname, file],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the crowd process ended before it was ready");
    out += value;
  }
  reader.releaseLock();
  const ready = JSON.parse(out.slice(0, out.indexOf("\n"))) as { totalMs: number; connectMs: number[] };
  return {
    count: users.length,
    ...ready,
    stop: async () => {
      await child.stdin.close();
      await child.stdout.cancel().catch(() => {});
      await child.status;
      await Deno.remove(file).catch(() => {});
    },
  };
}
