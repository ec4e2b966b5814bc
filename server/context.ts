/** What every server part is built from: one object, created in server/app.ts's caller. */
import type { Logger } from "pino";
import type { Config } from "../fresh.config.ts";
import type { Identity, TokenService } from "./auth/tokens.ts";
import type { AnnotationService } from "./domain/annotations.ts";
import type { CallService } from "./domain/calls.ts";
import type { Presence } from "./domain/presence.ts";
import type { UserService } from "./domain/users.ts";
import type { LoginLimiter } from "./auth/login_limiter.ts";
import type { Metrics } from "./metrics/metrics.ts";
import type { Store } from "./store/store.ts";

export interface Deps {
  config: Config;
  store: Store;
  users: UserService;
  calls: CallService;
  annotations: AnnotationService;
  presence: Presence;
  tokens: TokenService;
  loginLimiter: LoginLimiter;
  log: Logger;
  /** Prometheus series; undefined unless MOBIMAINT_METRICS_TOKEN is set. */
  metrics?: Metrics;
  startedAt: number;
  /** Number of connected sockets on this node (0 until signaling is attached). */
  connections: () => number;
  /** Disconnects the user's sockets (only those opened with token `jti`, when given), on every node. */
  disconnectUser: (userId: string, jti?: string) => Promise<void>;
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
