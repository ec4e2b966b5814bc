/** What every server part is built from: one object, built by buildDeps (server/deps.ts). */
import type { Logger } from "pino";
import type { Config } from "../fresh.config.ts";
import type { Activity } from "./activity.ts";
import type { Identity, TokenService } from "./auth/tokens.ts";
import type { AnchorPoseService } from "./domain/anchor_poses.ts";
import type { AnnotationService } from "./domain/annotations.ts";
import type { CallService } from "./domain/calls.ts";
import type { Clock } from "./domain/clock.ts";
import type { Departures } from "./domain/departures.ts";
import type { GracePeriod } from "./domain/grace.ts";
import type { Presence } from "./domain/presence.ts";
import type { RingTimers } from "./domain/rings.ts";
import type { UserService } from "./domain/users.ts";
import type { LoginLimiter } from "./auth/login_limiter.ts";
import type { Metrics } from "./metrics/metrics.ts";
import type { Store } from "./store/store.ts";
import type { BlobStore } from "./store/blobs.ts";
import type { SnapshotService } from "./domain/snapshots.ts";

export interface Deps {
  config: Config;
  store: Store;
  clock: Clock;
  /** Snapshot images (beside the record store). */
  blobs: BlobStore;
  snapshots: SnapshotService;
  users: UserService;
  calls: CallService;
  annotations: AnnotationService;
  anchorPoses: AnchorPoseService;
  presence: Presence;
  rings: RingTimers;
  grace: GracePeriod;
  departures: Departures;
  tokens: TokenService;
  loginLimiter: LoginLimiter;
  log: Logger;
  /** Prometheus series; undefined unless MOBIMAINT_METRICS_TOKEN is set. */
  metrics?: Metrics;
  startedAt: number;
  /** Requests and client events received, counted (quiet_gc.ts waits for a lull in them). */
  activity: Activity;
}

/** Hono environment: variables set by middleware. */
export interface Env {
  Variables: {
    identity: Identity;
    clientIp: string;
    /** The client used HTTPS: to us directly, or to a trusted proxy (X-Forwarded-Proto). */
    https: boolean;
  };
}
