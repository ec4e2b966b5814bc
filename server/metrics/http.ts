/** HTTP series (by route pattern, never the raw path) and `GET /metrics`, behind its bearer token. */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Deps, Env } from "../context.ts";
import { AppError, notFound } from "../domain/errors.ts";
import type { Metrics } from "./metrics.ts";

/**
 * The route that answered: the pattern of the deepest handler reached (`/api/calls/:id`). Requests that
 * only middleware saw share three labels, so the label set stays bounded: pages and static files,
 * unknown paths, and requests refused before any route (foreign origin, body too large).
 */
function routeLabel(path: string, status: number): string {
  if (path !== "*" && path !== "/*" && path !== "") return path;
  if (status === 404) return "(unmatched)";
  return status < 400 ? "(pages)" : "(refused)";
}

export const httpMetrics = (metrics: Metrics) =>
  createMiddleware<Env>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      metrics.http(
        c.req.method,
        routeLabel(routePath(c), status),
        status,
        (performance.now() - started) / 1000,
      );
    }
  });

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** 404 unless MOBIMAINT_METRICS_TOKEN is set; then 401 without `Authorization: Bearer <that token>`. */
export function metricsRoutes(deps: Deps) {
  return new Hono<Env>().get("/metrics", async (c) => {
    const { metrics } = deps;
    const token = deps.config.metricsToken;
    if (!metrics || !token) throw notFound("Not found");
    const header = c.req.header("authorization") ?? "";
    const given = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "";
    if (!sameToken(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="metrics"');
      throw new AppError("UNAUTHORIZED", "A valid metrics token is required");
    }
    return c.body(await metrics.scrape(), 200, { "content-type": metrics.contentType });
  });
}
