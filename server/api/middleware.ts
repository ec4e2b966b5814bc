/** Shared REST middleware: authentication, roles, client address, JSON bodies. */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Role } from "../../lib/types.ts";
import { SESSION_COOKIE } from "../auth/tokens.ts";
import type { Deps, Env } from "../context.ts";
import { AppError, forbidden, parseOrThrow } from "../domain/errors.ts";

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

export const clientAddress = createMiddleware<Env>(async (c, next) => {
  let ip = "unknown";
  try {
    ip = getConnInfo(c).remote.address ?? ip;
  } catch { /* not served by node-server (app.request in tests) */ }
  c.set("clientIp", ip);
  await next();
});

/** Reads a JSON body and validates it; malformed JSON and wrong shapes are BAD_REQUEST. */
export async function jsonBody<T>(
  c: Context,
  schema: Parameters<typeof parseOrThrow<T>>[0],
): Promise<T> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw new AppError("BAD_REQUEST", "Body is not valid JSON");
    }
  }
  return parseOrThrow(schema, value);
}
