/**
 * MobiMaint configuration: typed defaults, each overridable by an environment
 * variable (see README "Configuration"). `loadConfig()` is pure so tests can
 * build a config from a plain object instead of the process environment.
 */

export interface Limits {
  /** Max JSON body accepted by the REST API, bytes. */
  bodyBytes: number;
  /** Max Socket.IO message, bytes (maxHttpBufferSize). */
  socketMessageBytes: number;
  sdpBytes: number;
  candidateBytes: number;
  textChars: number;
  chatChars: number;
  pointsPerStroke: number;
  annotationsPerCall: number;
  /** Login attempts per client address per window. */
  loginPerClient: number;
  /** Failed login attempts per account per window. */
  loginPerAccount: number;
  loginWindowSec: number;
  /** Socket events per socket per second before it is throttled. */
  socketEventsPerSec: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  demo: boolean;
  adminPassword?: string;
  secret?: string;
  origins: string[];
  stunUrls: string[];
  turnUrls: string[];
  turnSecret?: string;
  turnTtlSec: number;
  redisUrl?: string;
  tokenTtlSec: number;
  graceMs: number;
  ringTimeoutMs: number;
  /** After a restart, how long past the grace period to wait for call participants to reconnect. */
  restartSlackMs: number;
  logLevel: string;
  limits: Limits;
}

export const VERSION = "0.1.0";

const list = (v: string | undefined, fallback: string[]): string[] =>
  v === undefined ? fallback : v.split(",").map((s) => s.trim()).filter(Boolean);

function int(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`${name} must be a non-negative number, got "${v}"`);
  }
  return n;
}

const bool = (v: string | undefined, fallback: boolean): boolean =>
  v === undefined || v === "" ? fallback : !["0", "false", "no", "off"].includes(v.toLowerCase());

export function loadConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Config {
  const n = (name: string, fallback: number) => int(env[name], fallback, name);
  return {
    port: n("PORT", 3000),
    host: env.HOST || "0.0.0.0",
    dataDir: env.MOBIMAINT_DATA_DIR || "./data",
    demo: bool(env.MOBIMAINT_DEMO, false),
    adminPassword: env.MOBIMAINT_ADMIN_PASSWORD || undefined,
    secret: env.MOBIMAINT_SECRET || undefined,
    origins: list(env.MOBIMAINT_ORIGINS, []),
    stunUrls: list(env.MOBIMAINT_STUN_URLS, ["stun:stun.l.google.com:19302"]),
    turnUrls: list(env.MOBIMAINT_TURN_URLS, []),
    turnSecret: env.MOBIMAINT_TURN_SECRET || undefined,
    turnTtlSec: n("MOBIMAINT_TURN_TTL_SEC", 86_400),
    redisUrl: env.MOBIMAINT_REDIS_URL || undefined,
    tokenTtlSec: n("MOBIMAINT_TOKEN_TTL_SEC", 12 * 3600),
    graceMs: n("MOBIMAINT_GRACE_MS", 2_000),
    ringTimeoutMs: n("MOBIMAINT_RING_TIMEOUT_MS", 30_000),
    restartSlackMs: n("MOBIMAINT_RESTART_SLACK_MS", 10_000),
    logLevel: env.MOBIMAINT_LOG_LEVEL || "info",
    limits: {
      bodyBytes: n("MOBIMAINT_LIMIT_BODY_BYTES", 64 * 1024),
      socketMessageBytes: n("MOBIMAINT_LIMIT_SOCKET_BYTES", 256 * 1024),
      sdpBytes: n("MOBIMAINT_LIMIT_SDP_BYTES", 64 * 1024),
      candidateBytes: n("MOBIMAINT_LIMIT_CANDIDATE_BYTES", 2 * 1024),
      textChars: n("MOBIMAINT_LIMIT_TEXT_CHARS", 500),
      chatChars: n("MOBIMAINT_LIMIT_CHAT_CHARS", 2_000),
      pointsPerStroke: n("MOBIMAINT_LIMIT_POINTS", 2_000),
      annotationsPerCall: n("MOBIMAINT_LIMIT_ANNOTATIONS", 1_000),
      loginPerClient: n("MOBIMAINT_LIMIT_LOGIN_PER_CLIENT", 30),
      loginPerAccount: n("MOBIMAINT_LIMIT_LOGIN_PER_ACCOUNT", 5),
      loginWindowSec: n("MOBIMAINT_LIMIT_LOGIN_WINDOW_SEC", 300),
      socketEventsPerSec: n("MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC", 200),
    },
  };
}
