/**
 * Builds a running MobiMaint node from a config: store → domain → Hono app →
 * node:http server (Socket.IO attaches to the same server). Used by main.ts
 * and by the tests, which start it on port 0.
 */
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { type Config, VERSION } from "../fresh.config.ts";
import type { Deps } from "./context.ts";
import type { Clock } from "./domain/clock.ts";
import { buildDeps, stopDomain } from "./deps.ts";
import { createApp } from "./app.ts";
import { loadPages } from "./pages.ts";
import { createHttpServer } from "./http.ts";
import type { Signaling } from "./signaling/io.ts";
import { createLogger } from "./log.ts";
import { Metrics } from "./metrics/metrics.ts";
import { instrumentStore } from "./metrics/store.ts";
import { attachRedisAdapter } from "./signaling/redis_adapter.ts";
import { migrateRings } from "./store/migrate_rings.ts";
import { migrateUserIds } from "./store/migrate_user_ids.ts";
import { openBlobStore, openStore } from "./store/open.ts";
import { RedisStore } from "./store/redis.ts";
import { logTlsMaterial, readTlsMaterial } from "./tls/certificate.ts";

export interface RunningServer {
  port: number;
  /** `https://127.0.0.1:PORT` when serving TLS. */
  url: string;
  deps: Deps;
  signaling: Signaling;
  /** The admin password when this start created it at random (print it once). */
  generatedAdminPassword?: string;
  /** Re-reads the TLS certificate files (SIGHUP); false when not serving TLS or the files are bad. */
  reloadTls(): Promise<boolean>;
  /** Stops accepting, finishes in-flight requests, disconnects sockets, closes the store. */
  close(): Promise<void>;
}

export async function startServer(config: Config, opts: { clock?: Clock } = {}): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const tls = config.tls ? await readTlsMaterial(config.tls) : undefined; // fail before opening the store
  const metrics = config.metricsToken ? new Metrics() : undefined;
  const store = instrumentStore(await openStore(config), metrics);
  if (store instanceof RedisStore) {
    const warning = await store.persistenceWarning();
    if (warning) log.warn({ event: "redis-persistence" }, warning);
  }
  const blobs = await openBlobStore(config).catch(async (e) => {
    await store.close();
    throw e;
  });
  const migrated = await migrateUserIds(store);
  if (migrated?.calls) {
    log.info({ event: "store-migrated", to: "username-ids", calls: migrated.calls }, "store upgraded");
  }
  const rings = await migrateRings(store); // after the ids: it reads the ring's renamed callee
  if (rings) log.info({ event: "store-migrated", to: "invitations", calls: rings }, "store upgraded");
  const secret = config.secret ??
    await store.getOrSetMeta("token-secret", randomSecret());
  const deps = buildDeps(config, { store, blobs }, log, { secret, clock: opts.clock, metrics });
  const seeded = await deps.users.seed({
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
  deps.snapshots.startSweeping(
    config.snapshotSweepMs,
    (e) => log.error({ event: "snapshot-sweep", err: String(e) }, "snapshot retention sweep failed"),
  );
  log.info(
    { event: "listening", port, store: store.kind, version: VERSION },
    "MobiMaint listening",
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    deps,
    signaling: http.signaling,
    generatedAdminPassword: seeded.adminPassword,
    reloadTls: () => http.reloadTls(),
    close: () =>
      closing ??= (async () => {
        // Each step's duration goes in the "stopped" line: a slow shutdown says which step held it.
        const steps: Record<string, number> = {};
        const step = async (name: string, run: () => unknown) => {
          const started = performance.now();
          await run();
          steps[name] = Math.round(performance.now() - started);
        };
        // The domain's timers first: sockets closing during the shutdown start no grace periods.
        stopDomain(deps);
        await step("http", () => http.close());
        await step("adapter", () => closeAdapter?.());
        await step("blobs", () => blobs.close());
        await step("poses", () => deps.anchorPoses.flush().catch(() => {}));
        await step("store", () => store.close());
        log.info({ event: "stopped", steps }, "MobiMaint stopped");
      })(),
  };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes));
}
