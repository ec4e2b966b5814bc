/** Handshake authentication: the login token in `auth.token`, or the session cookie. */
import { parse } from "hono/utils/cookie";
import { SESSION_COOKIE, type TokenService } from "../auth/tokens.ts";
import { AppError } from "../domain/errors.ts";
import type { IoSocket } from "./types.ts";

export function authenticate(tokens: TokenService) {
  return async (socket: IoSocket, next: (err?: Error) => void) => {
    try {
      const fromAuth = socket.handshake.auth?.token;
      const cookie = socket.handshake.headers.cookie;
      const token = typeof fromAuth === "string" && fromAuth
        ? fromAuth
        : cookie
        ? parse(cookie, SESSION_COOKIE)[SESSION_COOKIE]
        : undefined;
      socket.data.identity = await tokens.verify(token);
      next();
    } catch (e) {
      const err = new Error("UNAUTHORIZED") as Error & { data?: unknown };
      err.data = { code: "UNAUTHORIZED", message: e instanceof AppError ? e.message : "Invalid token" };
      next(err);
    }
  };
}
