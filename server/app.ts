/** The Hono application: middleware, REST resources, pages; errors mapped to `{message, code}`. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { authRoutes } from "./api/auth.ts";
import { callRoutes } from "./api/calls.ts";
import { clientAddress, strictTransportSecurity } from "./api/middleware.ts";
import { isSnapshotUpload, snapshotRoutes } from "./api/snapshots.ts";
import { systemRoutes } from "./api/system.ts";
import { userRoutes } from "./api/users.ts";
import { httpMetrics, metricsRoutes } from "./metrics/http.ts";
import { docsRoutes } from "./openapi/routes.ts";
import { notFoundPage, wantsPage } from "./not_found.ts";
import { pages } from "./pages.ts";
import { RateLimitedError } from "./auth/login_limiter.ts";
import type { Deps, Env } from "./context.ts";
import { AppError } from "./domain/errors.ts";

/** True when `origin` may call us: same host, or listed in MOBIMAINT_ORIGINS. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return true; // not a browser cross-origin request
  try {
    if (host && new URL(origin).host === host) return true;
  } catch {
    return false;
  }
  return allowed.includes(origin);
}

export function createApp(deps: Deps): Hono<Env> {
  const app = new Hono<Env>();
  const { config } = deps;
  app.use((_c, next) => {
    deps.activity.mark();
    return next();
  });
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:", "blob:"],
      mediaSrc: ["'self'", "blob:"],
      connectSrc: ["'self'", "ws:", "wss:"],
      frameAncestors: ["'none'"],
    },
    crossOriginEmbedderPolicy: false,
    // With "no-referrer" (the default) browsers send `Origin: null` on form posts, which the origin check refuses.
    referrerPolicy: "same-origin",
    strictTransportSecurity: false, // sent below, and only on HTTPS
    permissionsPolicy: { camera: ["self"], microphone: ["self"] },
  }));
  if (config.origins.length) {
    app.use(
      cors({
        origin: config.origins,
        credentials: true,
        allowHeaders: ["Authorization", "Content-Type"],
      }),
    );
  }
  // Browsers send Origin on cross-site requests; refuse the ones not allowed before any work is done.
  app.use(async (c, next) => {
    if (
      !originAllowed(
        c.req.header("origin"),
        c.req.header("host"),
        config.origins,
      )
    ) {
      throw new AppError("FORBIDDEN", "Origin not allowed");
    }
    await next();
  });
  const jsonBodyLimit = bodyLimit({
    maxSize: config.limits.bodyBytes,
    onError: () => {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `Body larger than ${config.limits.bodyBytes} bytes`,
      );
    },
  });
  app.use((c, next) => isSnapshotUpload(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next));
  app.use(clientAddress(config.trustProxyHops));
  app.use(strictTransportSecurity);

  app.route("/", authRoutes(deps));
  app.route("/", callRoutes(deps));
  app.route("/", snapshotRoutes(deps));
  app.route("/", userRoutes(deps));
  app.route("/", systemRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/", docsRoutes(deps));
  // Pages last: REST routes answer first; form posts to /login fall through to the login page.
  app.use("*", pages(deps));

  app.notFound((c) =>
    wantsPage(c) ? notFoundPage(c) : c.json({ message: "Not found", code: "NOT_FOUND" }, 404)
  );
  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err instanceof RateLimitedError) {
        c.header("Retry-After", String(err.retryAfterSec));
      }
      return c.json(
        { message: err.message, code: err.code },
        err.status as 400,
      );
    }
    if (err instanceof HTTPException) {
      const code = err.status === 413 ? "PAYLOAD_TOO_LARGE" : err.status < 500 ? "BAD_REQUEST" : "INTERNAL";
      return c.json(
        { message: err.message || "Bad request", code },
        err.status,
      );
    }
    deps.log.error(
      { event: "http-error", path: c.req.path, err: String(err) },
      "unhandled error",
    );
    return c.json({ message: "Internal server error", code: "INTERNAL" }, 500);
  });
  return app;
}
