/**
 * The one place dependencies are built: store → domain services (with one clock) → their subscriptions
 * to each other. The HTTP and socket layers get the result and translate; nothing else wires the domain.
 */
import { Activity } from "./activity.ts";
import type { Logger } from "pino";
import type { Config } from "../fresh.config.ts";
import { LoginLimiter } from "./auth/login_limiter.ts";
import { TokenService } from "./auth/tokens.ts";
import type { Deps } from "./context.ts";
import { AnchorPoseService } from "./domain/anchor_poses.ts";
import { AnnotationService } from "./domain/annotations.ts";
import { ArrivalWindow } from "./domain/arrival_window.ts";
import { CallService } from "./domain/calls.ts";
import { type Clock, systemClock } from "./domain/clock.ts";
import { Departures } from "./domain/departures.ts";
import { GracePeriod } from "./domain/grace.ts";
import { Presence } from "./domain/presence.ts";
import { RingTimers } from "./domain/rings.ts";
import { SnapshotService } from "./domain/snapshots.ts";
import { UserService } from "./domain/users.ts";
import type { Metrics } from "./metrics/metrics.ts";
import { RedisStore } from "./store/redis.ts";
import type { BlobStore } from "./store/blobs.ts";
import type { Store } from "./store/store.ts";

export interface BuildOptions {
  /** Tests move time with a fake clock (tests/helpers/fake_clock.ts). */
  clock?: Clock;
  /** The token signing secret (config, or kept in the store). */
  secret: string;
  /** Prometheus series, when MOBIMAINT_METRICS_TOKEN is set. */
  metrics?: Metrics;
}

export function buildDeps(
  config: Config,
  { store, blobs }: { store: Store; blobs: BlobStore },
  log: Logger,
  opts: BuildOptions,
): Deps {
  const clock = opts.clock ?? systemClock;
  const failed = (what: string) => (event: string, err: unknown) =>
    log.error({ event: `${what}-${event}`, err: String(err) }, `${what} ${event} failed`);
  const presence = new Presence();
  const users = new UserService(store, clock);
  // With the embedded store this process makes every change, so its call cache is never stale.
  const calls = new CallService(
    store,
    presence,
    store.kind === "kv" ? Infinity : 1000,
    clock,
    config.ringTimeoutMs,
  );
  const annotations = new AnnotationService(store, calls, config.limits);
  const rings = new RingTimers(calls, clock, config.ringTimeoutMs, failed("ring"));
  const grace = new GracePeriod(presence, clock, config.graceMs, failed("presence"));
  const arrivals = new ArrivalWindow(calls, clock, failed("call"));
  const departures = new Departures(calls, rings, presence, clock, arrivals);
  departures.follow(grace);
  const anchorPoses = new AnchorPoseService(store, calls, {
    storeEveryMs: config.limits.anchorPoseStoreMs,
    maxPerSec: config.limits.anchorPosesPerSec,
  }, clock);
  calls.listen({
    ended: (call) => {
      annotations.forget(call.callId);
      anchorPoses.forget(call.callId);
    },
  });
  opts.metrics?.observe(calls, () => grace.socketCount());
  opts.metrics?.observeBlobs(blobs);
  const snapshots = new SnapshotService(
    blobs,
    store,
    calls,
    config.limits,
    config.snapshotRetentionDays,
    clock,
  );
  return {
    config,
    store,
    blobs,
    snapshots,
    clock,
    users,
    presence,
    calls,
    annotations,
    anchorPoses,
    rings,
    grace,
    departures,
    tokens: new TokenService(opts.secret, config.tokenTtlSec, store),
    loginLimiter: new LoginLimiter(config.limits, store instanceof RedisStore ? store.connection : undefined),
    log,
    metrics: opts.metrics,
    startedAt: clock.now(),
    activity: new Activity(),
  };
}

/** Stops the domain's timers (rings, grace periods, restart recovery, snapshot retention). */
export function stopDomain(deps: Deps): void {
  deps.snapshots.close();
  deps.rings.close();
  deps.grace.close();
  deps.departures.close();
}
