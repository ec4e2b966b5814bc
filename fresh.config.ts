/**
 * MobiMaint configuration: typed defaults, each overridable by an environment
 * variable (see README "Configuration"). `loadConfig()` is pure so tests can
 * build a config from a plain object instead of the process environment.
 */
import { parseTurnUrl } from "./server/turn/urls.ts";

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
  /** Camera poses relayed through the server per call per second (the data channel's fallback). */
  anchorPosesPerSec: number;
  /** The latest camera pose of a call is written to the store at most this often. */
  anchorPoseStoreMs: number;
  /** Snapshots (docs/snapshots-and-reports.md): bytes per image, images per call, pixels per side. */
  snapshotBytes: number;
  snapshotsPerCall: number;
  snapshotMaxSide: number;
}

/** PEM files for built-in HTTPS; re-read on SIGHUP. */
export interface TlsPaths {
  certPath: string;
  keyPath: string;
}

export interface Config {
  port: number;
  host: string;
  /** Serve HTTPS (and wss://) on `port` from these files; plain HTTP when absent. */
  tls?: TlsPaths;
  /**
   * How many reverse proxies in front of us to believe (X-Forwarded-For/-Proto); 0 = none.
   * MOBIMAINT_TRUST_PROXY accepts a count or a yes/no (yes = 1).
   */
  trustProxyHops: number;
  dataDir: string;
  demo: boolean;
  adminPassword?: string;
  secret?: string;
  origins: string[];
  stunUrls: string[];
  turnUrls: string[];
  turnSecret?: string;
  turnTtlSec: number;
  /** `relay`: browsers use TURN only (strict firewalls, tests); `all`: direct when possible. */
  iceTransportPolicy: RTCIceTransportPolicy;
  redisUrl?: string;
  tokenTtlSec: number;
  graceMs: number;
  ringTimeoutMs: number;
  /** Presence changes are gathered this long and sent together (one write per watching socket). */
  presenceFlushMs: number;
  /** After a restart, how long past the grace period to wait for call participants to reconnect. */
  restartSlackMs: number;
  /** Multi-node: a node not heard from for this long is taken as gone (it heartbeats every third of it). */
  nodeTimeoutMs: number;
  /** Multi-node: how often each node looks for rings past their timeout whose node died. */
  ringSweepMs: number;
  logLevel: string;
  /** `GET /metrics` is served only when set, and only to `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  limits: Limits;
  /** A call's snapshots are removed this many days after it ended (0: kept forever). */
  snapshotRetentionDays: number;
  /** How often the retention sweep runs. */
  snapshotSweepMs: number;
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

function tlsPaths(cert: string | undefined, key: string | undefined): TlsPaths | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    throw new Error("MOBIMAINT_TLS_CERT and MOBIMAINT_TLS_KEY must be set together");
  }
  return { certPath: cert, keyPath: key };
}

function metricsToken(v: string | undefined): string | undefined {
  if (!v) return undefined;
  if (v.length < 16) throw new Error("MOBIMAINT_METRICS_TOKEN must be at least 16 characters");
  return v;
}

function proxyHops(v: string | undefined): number {
  if (v === undefined || v.trim() === "") return 0;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  return bool(v, false) ? 1 : 0;
}

function turnUrls(v: string | undefined): string[] {
  const urls = list(v, []);
  const bad = urls.find((u) => !/^turns?:/i.test(u) || !parseTurnUrl(u));
  if (bad) {
    throw new Error(
      `MOBIMAINT_TURN_URLS: "${bad}" is not a turn: or turns: URL (turn:host:3478?transport=udp)`,
    );
  }
  return urls;
}

function transportPolicy(v: string | undefined): RTCIceTransportPolicy {
  const policy = (v ?? "").trim().toLowerCase() || "all";
  if (policy !== "all" && policy !== "relay") {
    throw new Error(`MOBIMAINT_ICE_TRANSPORT_POLICY must be "all" or "relay", got "${v}"`);
  }
  return policy;
}

export function loadConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Config {
  const n = (name: string, fallback: number) => int(env[name], fallback, name);
  return {
    port: n("PORT", 3000),
    host: env.HOST || "0.0.0.0",
    tls: tlsPaths(env.MOBIMAINT_TLS_CERT, env.MOBIMAINT_TLS_KEY),
    trustProxyHops: proxyHops(env.MOBIMAINT_TRUST_PROXY),
    dataDir: env.MOBIMAINT_DATA_DIR || "./data",
    demo: bool(env.MOBIMAINT_DEMO, false),
    adminPassword: env.MOBIMAINT_ADMIN_PASSWORD || undefined,
    secret: env.MOBIMAINT_SECRET || undefined,
    origins: list(env.MOBIMAINT_ORIGINS, []),
    stunUrls: list(env.MOBIMAINT_STUN_URLS, ["stun:stun.l.google.com:19302"]),
    turnUrls: turnUrls(env.MOBIMAINT_TURN_URLS),
    turnSecret: env.MOBIMAINT_TURN_SECRET || undefined,
    turnTtlSec: n("MOBIMAINT_TURN_TTL_SEC", 86_400),
    iceTransportPolicy: transportPolicy(env.MOBIMAINT_ICE_TRANSPORT_POLICY),
    redisUrl: env.MOBIMAINT_REDIS_URL || undefined,
    tokenTtlSec: n("MOBIMAINT_TOKEN_TTL_SEC", 12 * 3600),
    graceMs: n("MOBIMAINT_GRACE_MS", 2_000),
    ringTimeoutMs: n("MOBIMAINT_RING_TIMEOUT_MS", 30_000),
    restartSlackMs: n("MOBIMAINT_RESTART_SLACK_MS", 10_000),
    nodeTimeoutMs: n("MOBIMAINT_NODE_TIMEOUT_MS", 15_000),
    ringSweepMs: n("MOBIMAINT_RING_SWEEP_MS", 5_000),
    presenceFlushMs: n("MOBIMAINT_PRESENCE_FLUSH_MS", 250),
    logLevel: env.MOBIMAINT_LOG_LEVEL || "info",
    snapshotRetentionDays: n("MOBIMAINT_SNAPSHOT_RETENTION_DAYS", 90),
    snapshotSweepMs: n("MOBIMAINT_SNAPSHOT_SWEEP_MS", 3_600_000),
    metricsToken: metricsToken(env.MOBIMAINT_METRICS_TOKEN),
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
      anchorPosesPerSec: n("MOBIMAINT_LIMIT_ANCHOR_POSES_PER_SEC", 15),
      anchorPoseStoreMs: n("MOBIMAINT_ANCHOR_POSE_STORE_MS", 1000),
      snapshotBytes: n("MOBIMAINT_LIMIT_SNAPSHOT_BYTES", 8 * 1024 * 1024),
      snapshotsPerCall: n("MOBIMAINT_LIMIT_SNAPSHOTS", 50),
      snapshotMaxSide: n("MOBIMAINT_LIMIT_SNAPSHOT_SIDE", 8192),
    },
  };
}
