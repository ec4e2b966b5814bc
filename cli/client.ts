/**
 * The REST client of the CLI: one request helper that turns every way a call
 * can fail into a CliError with the documented exit code.
 */
import type { ApiError } from "../lib/protocol.ts";
import { CliError, EXIT } from "./errors.ts";
import type { Target } from "./config.ts";

export interface RequestOptions {
  body?: unknown;
  /** false: send no token (login, health). Default true: a token is required. */
  auth?: boolean;
  /** Statuses other than 2xx whose JSON body is returned instead of failing (health's 503). */
  accept?: number[];
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface ClientOptions {
  timeoutMs?: number;
  /** PEM of extra CA certificates to trust (a private or development CA for https:// servers). */
  caPem?: string;
}

export class ApiClient {
  private readonly timeoutMs: number;
  private readonly http?: Deno.HttpClient;

  constructor(readonly target: Target, opts: ClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    if (opts.caPem) this.http = Deno.createHttpClient({ caCerts: [opts.caPem] });
  }

  get server(): string {
    return this.target.server;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const auth = opts.auth ?? true;
    const headers: Record<string, string> = { accept: "application/json" };
    if (auth) {
      if (!this.target.token) {
        throw new CliError(
          EXIT.NOT_AUTHENTICATED,
          `Not logged in to ${this.server}: run "mobimaint login" or set MOBIMAINT_TOKEN`,
        );
      }
      headers.authorization = `Bearer ${this.target.token}`;
    }
    if (opts.body !== undefined) headers["content-type"] = "application/json";

    let res: Response;
    try {
      const init: RequestInit & { client?: Deno.HttpClient } = {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.timeoutMs),
        client: this.http, // Deno's fetch option; the "dom" lib's RequestInit does not know it
      };
      res = await fetch(this.server + path, init);
    } catch (e) {
      throw unreachable(this.server, e, this.timeoutMs);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(
        EXIT.FAILURE,
        `Unexpected response from ${this.server}${path} (HTTP ${res.status}): is this a MobiMaint server?`,
      );
    }
    if (res.ok || opts.accept?.includes(res.status)) return { status: res.status, body: body as T };
    throw httpError(res.status, body, auth);
  }

  /** GETs a file (not JSON): its bytes on 2xx; errors as `request` reports them. */
  async download(path: string): Promise<Uint8Array> {
    if (!this.target.token) {
      throw new CliError(
        EXIT.NOT_AUTHENTICATED,
        `Not logged in to ${this.server}: run "mobimaint login" or set MOBIMAINT_TOKEN`,
      );
    }
    let res: Response;
    try {
      const init: RequestInit & { client?: Deno.HttpClient } = {
        headers: { authorization: `Bearer ${this.target.token}` },
        signal: AbortSignal.timeout(this.timeoutMs),
        client: this.http,
        redirect: "manual",
      };
      res = await fetch(this.server + path, init);
    } catch (e) {
      throw unreachable(this.server, e, this.timeoutMs);
    }
    if (res.ok) return new Uint8Array(await res.arrayBuffer());
    const body = await res.json().catch(() => ({}));
    throw httpError(res.status, body, true);
  }
  /**
   * GET of a text resource (`/metrics`) with its own bearer token instead of the login's; errors map
   * to exit codes as request() does.
   */
  async getText(path: string, bearer: string): Promise<string> {
    let res: Response;
    try {
      const init: RequestInit & { client?: Deno.HttpClient } = {
        headers: { authorization: `Bearer ${bearer}` },
        signal: AbortSignal.timeout(this.timeoutMs),
        client: this.http,
      };
      res = await fetch(this.server + path, init);
    } catch (e) {
      throw unreachable(this.server, e, this.timeoutMs);
    }
    const text = await res.text();
    if (res.ok) return text;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch { /* not JSON: the status says it */ }
    throw httpError(res.status, body, false);
  }
  get<T>(path: string, opts?: RequestOptions) {
    return this.request<T>("GET", path, opts);
  }

  post<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>("POST", path, { ...opts, body: body ?? {} });
  }

  put<T>(path: string, body: unknown) {
    return this.request<T>("PUT", path, { body });
  }

  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }
}

function unreachable(server: string, e: unknown, timeoutMs: number): CliError {
  if (e instanceof DOMException && e.name === "TimeoutError") {
    return new CliError(EXIT.UNREACHABLE, `Server ${server} did not answer within ${timeoutMs / 1000} s`);
  }
  // fetch's TypeError carries a long chain of causes; keep the part an operator can act on.
  const detail = e instanceof Error
    ? `${e.message} ${e.cause instanceof Error ? e.cause.message : ""}`
    : String(e);
  const reason = /refused/i.test(detail)
    ? "connection refused"
    : /dns error|lookup/i.test(detail)
    ? "host name not found"
    : /certificate|tls|handshake/i.test(detail)
    ? `TLS error: ${lastPart(detail)} (for a private CA, use --ca-cert or MOBIMAINT_CA_CERT)`
    : detail.split("\n")[0].trim();
  return new CliError(EXIT.UNREACHABLE, `Cannot reach server ${server}: ${reason}`);
}

/** "... client error (Connect): invalid peer certificate: UnknownIssuer" → "invalid peer certificate: UnknownIssuer". */
const lastPart = (detail: string) => detail.split("\n")[0].split(/\): /).at(-1)!.trim();

function httpError(status: number, body: unknown, sentToken: boolean): CliError {
  const err = body as Partial<ApiError>;
  const message = typeof err?.message === "string" ? err.message : `HTTP ${status}`;
  const code = typeof err?.code === "string" ? err.code : `HTTP ${status}`;
  if (status === 401) {
    const hint = sentToken ? ': log in again with "mobimaint login"' : "";
    return new CliError(EXIT.NOT_AUTHENTICATED, `${message} (${code})${hint}`);
  }
  return new CliError(EXIT.FAILURE, `${message} (${code})`);
}
