/**
 * Builds a running MobiMaint node from a config: store → domain → Hono app →
 * node:http server (Socket.IO attaches to the same server). Used by main.ts
 * and by the tests, which start it on port 0.
 */
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { type Config, VERSION } from "../fresh.config.ts";
import { LoginLimiter } from "./auth/login_limiter.ts";
import { TokenService } from "./auth/tokens.ts";
import type { Deps } from "./context.ts";
import { AnnotationService } from "./domain/annotations.ts";
import { CallService } from "./domain/calls.ts";
import { Presence } from "./domain/presence.ts";
import { UserService } from "./domain/users.ts";
import { createApp } from "./app.ts";
import { loadPages } from "./pages.ts";
import { createHttpServer } from "./http.ts";
import { createLogger } from "./log.ts";
import { Metrics } from "./metrics/metrics.ts";
import { instrumentStore } from "./metrics/store.ts";
import { attachRedisAdapter } from "./signaling/redis_adapter.ts";
import { openStore } from "./store/open.ts";
import { RedisStore } from "./store/redis.ts";
import { logTlsMaterial, readTlsMaterial } from "./tls/certificate.ts";

export interface RunningServer {
  port: number;
  /** `https://127.0.0.1:PORT` when serving TLS. */
  url: string;
  deps: Deps;
  /** The admin password when this start created it at random (print it once). */
  generatedAdminPassword?: string;
  /** Re-reads the TLS certificate files (SIGHUP); false when not serving TLS or the files are bad. */
  reloadTls(): Promise<boolean>;
  /** Stops accepting, finishes in-flight requests, disconnects sockets, closes the store. */
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const tls = config.tls ? await readTlsMaterial(config.tls) : undefined; // fail before opening the store
  const metrics = config.metricsToken ? new Metrics() : undefined;
  const store = instrumentStore(await openStore(config), metrics);
  if (store instanceof RedisStore) {
    const warning = await store.persistenceWarning();
    if (warning) log.warn({ event: "redis-persistence" }, warning);
  }
  const secret = config.secret ??
    await store.getOrSetMeta("token-secret", randomSecret());
  const presence = new Presence();
  const users = new UserService(store);
  // With the embedded store this process makes every change, so its call cache is never stale.
  const calls = new CallService(store, presence, store.kind === "kv" ? Infinity : 1000);
  metrics?.observe(calls, () => deps.connections());
  const deps: Deps = {
    config,
    store,
    users,
    presence,
    calls,
    annotations: new AnnotationService(store, calls, config.limits),
    tokens: new TokenService(secret, config.tokenTtlSec, store),
    loginLimiter: new LoginLimiter(config.limits, store instanceof RedisStore ? store.connection : undefined),
    log,
    metrics,
    startedAt: Date.now(),
    connections: () => 0,
    disconnectUser: () => Promise.resolve(),
  };
  const seeded = await users.seed({
    demo: config.demo,
    adminPassword: config.adminPassword,
  });
  const app = createApp(deps);
  // Pages and island bundles ready before the first request; if they cannot be built, the API still
  // serves and page requests retry (and fail with the build error).
  await loadPages().catch((e) => log.error({ event: "pages-build", err: String(e) }, "pages unavailable"));
  const http = createHttpServer(app, deps, tls);
  if (tls) logTlsMaterial(log, "tls-loaded", tls);
  let closeAdapter: (() => Promise<void>) | undefined;
  if (config.redisUrl) {
    closeAdapter = await attachRedisAdapter(http.signaling.io, config.redisUrl);
    await http.signaling.startCluster({
      timeoutMs: config.nodeTimeoutMs,
      heartbeatMs: Math.max(50, Math.floor(config.nodeTimeoutMs / 3)),
    });
  }
  await new Promise<void>((resolve, reject) => {
    http.server.once("error", reject);
    http.server.listen(config.port, config.host, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  metrics?.setNode(`${hostname()}:${port}`);
  await http.signaling.recover();
  log.info(
    { event: "listening", port, store: store.kind, version: VERSION },
    "MobiMaint listening",
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    deps,
    generatedAdminPassword: seeded.adminPassword,
    reloadTls: () => http.reloadTls(),
    close: () =>
      closing ??= (async () => {
        await http.close();
        await closeAdapter?.();
        await store.close();
        log.info({ event: "stopped" }, "MobiMaint stopped");
      })(),
  };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes));
}
