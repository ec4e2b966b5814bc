/**
 * Test harness: a real MobiMaint server on an ephemeral port with a real
 * Deno KV file in a temp dir, plus small REST helpers.
 */
import { type Config, loadConfig } from "../../fresh.config.ts";
import type { Clock } from "../../server/domain/clock.ts";
import { type RunningServer, startServer } from "../../server/server.ts";

export const ADMIN_PASSWORD = "admin-test-pw";

export interface TestServer extends RunningServer {
  dataDir: string;
  config: Config;
}

/**
 * Starts a server; `env` entries override the test defaults (demo users on, fast timers). With `clock`
 * (tests/helpers/fake_clock.ts) the domain's timers run on test time.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir?: string,
  opts: { clock?: Clock } = {},
): Promise<TestServer> {
  const dir = dataDir ?? await Deno.makeTempDir({ prefix: "mobimaint-test-" });
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    MOBIMAINT_DATA_DIR: dir,
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MOBIMAINT_LOG_LEVEL: "silent",
    MOBIMAINT_STUN_URLS: "stun:stun.example.test:3478",
    MOBIMAINT_PRESENCE_FLUSH_MS: "50",
    ...env,
  });
  const server = await startServer(config, opts);
  return { ...server, dataDir: dir, config };
}

export interface Json {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/**
 * Makes a JSON request; `body` may be a string or bytes to send it raw. `client`: a Deno.HttpClient, e.g. one
 * trusting the test CA (helpers/tls.ts).
 */
export async function api(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; client?: Deno.HttpClient } = {},
): Promise<Json> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] ??= "application/json";
  const init: RequestInit & { client?: Deno.HttpClient } = {
    client: opts.client, // the "dom" lib's RequestInit does not know Deno's option
    method,
    headers,
    body: opts.body === undefined
      ? undefined
      : typeof opts.body === "string" || opts.body instanceof Uint8Array
      ? opts.body as BodyInit
      : JSON.stringify(opts.body),
  };
  return await readResponse(await fetch(base + path, init));
}

/** Status, headers and body of a response; the body parsed as JSON when it is JSON, else the text. */
export async function readResponse(res: Response): Promise<Json> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body };
}

export async function login(base: string, username: string, password: string) {
  const r = await api(base, "POST", "/login", { body: { username, password } });
  if (r.status !== 200) {
    throw new Error(
      `login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`,
    );
  }
  return r.body as {
    userId: string;
    role: string;
    username: string;
    token: string;
  };
}

/** Logs in the demo technician (user1), expert (user2) and the admin. */
export async function loginAll(base: string) {
  const [tech, expert, admin] = await Promise.all([
    login(base, "user1", "P"),
    login(base, "user2", "P"),
    login(base, "admin", ADMIN_PASSWORD),
  ]);
  return { tech, expert, admin };
}

/** Polls `ok` until it holds: for state that arrives over real I/O (a socket's close reaching the server). */
export async function waitUntil(
  what: string,
  ok: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the server holds exactly `n` authenticated sockets. */
export const waitForSockets = (server: RunningServer, n: number) =>
  waitUntil(`${n} socket(s) on the server`, () => server.deps.grace.socketCount() === n);
