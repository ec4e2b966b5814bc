/**
 * Entry point: config → store → app → listen; graceful shutdown on SIGTERM/SIGINT; SIGHUP re-reads
 * the TLS certificate files (MOBIMAINT_TLS_CERT/KEY) so a renewal needs no restart.
 */
import { loadConfig } from "./fresh.config.ts";
import { collectWhenQuiet, oldGenerationBytes, processCpuMs } from "./server/quiet_gc.ts";
import { startServer } from "./server/server.ts";

// `deno task start` passes --demo: the demo users are seeded unless MOBIMAINT_DEMO says otherwise
// (the task runner has no `${VAR:-default}`, so the default is applied here).
const env = Deno.env.toObject();
if (Deno.args.includes("--demo")) env.MOBIMAINT_DEMO ??= "1";
const server = await startServer(loadConfig(env));
if (server.generatedAdminPassword) {
  console.log(
    `\n  First start: created user "admin" with password: ${server.generatedAdminPassword}\n` +
      `  (shown once; set MOBIMAINT_ADMIN_PASSWORD to choose it)\n`,
  );
}
const { tls, trustProxyHops } = server.deps.config;
console.log(`MobiMaint on ${tls ? "https" : "http"}://localhost:${server.port}`);
if (!tls && !trustProxyHops) {
  console.log(
    "  Phones get the camera only over HTTPS: for a local network run `deno task cert` and start with\n" +
      "  MOBIMAINT_TLS_CERT/MOBIMAINT_TLS_KEY (README, Deployment).",
  );
}

// `deno task start` exposes gc (server/runtime_flags.ts): a storm's garbage is collected while the server is
// quiet rather than when the next messages come (server/quiet_gc.ts).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  collectWhenQuiet({
    collect: gc,
    oldBytes: oldGenerationBytes,
    cpuMs: processCpuMs,
    received: () => server.deps.activity.received,
    collected: (ms, before, after) =>
      server.deps.log.debug(
        { event: "quiet-gc", ms: Math.round(ms), before, after },
        "collected while quiet",
      ),
  });
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.deps.log.info({ event: "shutdown", signal }, "shutting down");
  const force = setTimeout(() => Deno.exit(1), 10_000);
  await server.close();
  clearTimeout(force);
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
// Diagnostics: with `--v8-flags=--expose-gc` (as `deno task start` runs), SIGUSR2 runs a full garbage
// collection and logs the heap, so memory can be compared without GC timing in the way (the soak test uses it).
Deno.addSignalListener("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return server.deps.log.warn({ event: "gc" }, "SIGUSR2 needs --v8-flags=--expose-gc");
  gc();
  const { heapUsed, rss } = Deno.memoryUsage();
  server.deps.log.info({ event: "gc", heapUsed, rss }, "full GC done");
});
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
if (Deno.build.os !== "windows") {
  Deno.addSignalListener("SIGHUP", () => {
    if (server.deps.config.tls) server.reloadTls(); // logs its own outcome
    else server.deps.log.info({ event: "sighup" }, "SIGHUP ignored: TLS is not configured");
  });
}
