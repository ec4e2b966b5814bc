/** Shared REST middleware: authentication, roles, client address, HSTS (validation: validate.ts). */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Role } from "../../lib/types.ts";
import { SESSION_COOKIE } from "../auth/tokens.ts";
import type { Deps, Env } from "../context.ts";
import { forbidden } from "../domain/errors.ts";
import { resolveClient } from "./forwarded.ts";

export function bearerOrCookie(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) {
    return header.slice(7).trim();
  }
  return getCookie(c, SESSION_COOKIE);
}

/** Requires a valid token; sets `identity`. With `roles`, also requires one of them. */
export const requireAuth = (deps: Deps, ...roles: Role[]) =>
  createMiddleware<Env>(async (c, next) => {
    const identity = await deps.tokens.verify(bearerOrCookie(c));
    if (roles.length && !roles.includes(identity.role)) {
      throw forbidden(`Requires role ${roles.join(" or ")}`);
    }
    c.set("identity", identity);
    await next();
  });

/**
 * Sets `clientIp` and `https` for the request: from the socket, or, with MOBIMAINT_TRUST_PROXY,
 * from the trusted proxies' X-Forwarded-For/-Proto headers.
 */
export const clientAddress = (trustProxyHops: number) =>
  createMiddleware<Env>(async (c, next) => {
    let remoteAddress: string | undefined;
    try {
      remoteAddress = getConnInfo(c).remote.address;
    } catch { /* not served by node-server (app.request in tests) */ }
    const client = resolveClient({
      remoteAddress,
      // @hono/node-server builds the request URL from the socket: https exactly when it is TLS.
      encrypted: new URL(c.req.url).protocol === "https:",
      forwardedFor: c.req.header("x-forwarded-for"),
      forwardedProto: c.req.header("x-forwarded-proto"),
    }, trustProxyHops);
    c.set("clientIp", client.ip);
    c.set("https", client.https);
    await next();
  });

/** Six months; no includeSubDomains, which would bind other services on sibling names. */
export const HSTS = "max-age=15552000";

/** `localhost` and loopback IPs: HSTS pinned there would break every plain-HTTP dev server on them. */
function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name.endsWith(".localhost") || name === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** HSTS on responses to HTTPS requests (direct, or through a trusted proxy); never on plain HTTP. */
export const strictTransportSecurity = createMiddleware<Env>(async (c, next) => {
  await next();
  if (c.get("https") && !isLoopbackHost(c.req.header("host"))) {
    c.header("Strict-Transport-Security", HSTS);
  }
});
