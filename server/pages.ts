/**
 * Mounts the browser pages (routes/, islands/, static/) behind the REST API.
 * The Fresh layer is loaded when the server starts (route and island modules
 * imported, island bundles built in memory unless `deno task build` wrote them).
 */
import { fileURLToPath } from "node:url";
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { Identity } from "./auth/tokens.ts";
import type { Deps, Env } from "./context.ts";
import { bearerOrCookie } from "./api/middleware.ts";
import { freshApp } from "./fresh/mod.ts";
import type { AppError } from "./domain/errors.ts";

/** What every page handler and page component receives as `state`. */
export interface PageState {
  deps: Deps;
  /** The signed-in user (from the session cookie), if any. */
  identity?: Identity;
  /** The Hono context, for cookies and the client address. */
  c: Context<Env>;
}

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

let loading: Promise<Hono> | undefined;

/**
 * Loads routes and islands and builds (or reads the prebuilt) island bundles, once per process:
 * modules and bundles are process-wide, the state comes per request. Called at startup.
 */
export function loadPages(): Promise<Hono> {
  return loading ??= freshApp<PageState>({
    root: PROJECT_ROOT,
    state: (pc) => (pc.env as { state: PageState }).state,
  }).then((app) => {
    // A page that throws goes to the app's error handler (logged, `{message, code}`), not to the console.
    app.onError((err) => {
      throw err;
    });
    return app;
  }).catch((e) => {
    loading = undefined; // a failed build (e.g. a syntax error while developing) is retried next request
    throw e;
  });
}

export function pages(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!["GET", "HEAD", "POST"].includes(c.req.method)) return await next();
    const sub = await loadPages();
    let identity: Identity | undefined;
    try {
      identity = await deps.tokens.verify(bearerOrCookie(c));
    } catch { /* not signed in */ }
    const res = await sub.fetch(c.req.raw, { state: { deps, identity, c } satisfies PageState });
    if (res.status === 404 && res.headers.get("content-type")?.startsWith("text/plain")) return await next();
    return res;
  };
}

/**
 * What a call page (room, details, report) says when the domain refused: an unknown or impossible id
 * (say 3,000 characters typed into the address bar) is "no such call" (404); else `refused` with the status.
 */
export function callPageError(e: AppError, refused: string): { error: string; status: number } {
  if (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST") {
    return { error: "There is no such call.", status: 404 };
  }
  return { error: refused, status: e.status };
}
