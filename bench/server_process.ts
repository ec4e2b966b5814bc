/** Starts MobiMaint as its own process for the benchmark (as `deno task start` runs it) and reads its memory. */
import { SERVER_ENV, serverV8Arg } from "../server/runtime_flags.ts";

export interface ServerProcess {
  url: string;
  pid: number;
  rssKiB(): Promise<number>;
  stop(): Promise<void>;
}

export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function rssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** Polls GET /health until it answers 200; returns the ms it took. */
export async function waitHealthy(url: string, timeoutMs = 30_000): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      const r = await fetch(`${url}/health`);
      await r.body?.cancel();
      if (r.status === 200) return performance.now() - start;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`server at ${url} not healthy after ${timeoutMs} ms`);
}

export async function startServerProcess(
  env: Record<string, string>,
): Promise<ServerProcess & { startMs: number }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    // MOBIMAINT_BENCH_DENO_FLAGS: extra runtime flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof";
    // MOBIMAINT_BENCH_SERVER_STDOUT=1 shows its stdout (with "--v8-flags=--trace-gc" there: GC pauses).
    args: [
      "run",
      "-A",
      serverV8Arg,
      ...(Deno.env.get("MOBIMAINT_BENCH_DENO_FLAGS")?.split(" ").filter(Boolean) ?? []),
      "main.ts",
    ],
    env: { ...SERVER_ENV, PORT: String(port), HOST: "127.0.0.1", MOBIMAINT_LOG_LEVEL: "warn", ...env },
    stdout: Deno.env.get("MOBIMAINT_BENCH_SERVER_STDOUT") ? "inherit" : "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const startMs = await waitHealthy(url);
  return {
    url,
    pid: child.pid,
    startMs,
    rssKiB: () => rssKiB(child.pid),
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}
