/** Cold start: `deno task start` to the first 200 from /health, on an empty store and on an existing one. */
import { freePort, waitHealthy } from "../server_process.ts";
import { now } from "../stats.ts";

async function startOnce(dataDir: string): Promise<number> {
  const port = freePort();
  const start = now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "start"],
    env: { PORT: String(port), HOST: "127.0.0.1", MOBIMAINT_DATA_DIR: dataDir, MOBIMAINT_LOG_LEVEL: "warn" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitHealthy(`http://127.0.0.1:${port}`);
  const ms = now() - start;
  child.kill("SIGTERM");
  await child.status;
  return Math.round(ms);
}

export async function coldStart() {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-cold-" });
  const firstStartMs = await startOnce(dir);
  const restartMs = await startOnce(dir);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return { firstStartMs, restartMs };
}
