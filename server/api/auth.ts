/** POST /login (compat) and POST /logout. */
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { loginBody, type LoginResponse } from "../../lib/protocol.ts";
import { SESSION_COOKIE } from "../auth/tokens.ts";
import type { Deps, Env } from "../context.ts";
import { AppError } from "../domain/errors.ts";
import { jsonBody, requireAuth } from "./middleware.ts";

export function authRoutes(deps: Deps) {
  const { users, tokens, loginLimiter, config } = deps;
  return new Hono<Env>()
    .post("/login", async (c) => {
      const { username, password } = await jsonBody(c, loginBody);
      await loginLimiter.beforeAttempt(c.get("clientIp"), username);
      let user;
      try {
        user = await users.authenticate(username, password);
      } catch (e) {
        if (e instanceof AppError && e.code === "UNAUTHORIZED") {
          await loginLimiter.failed(username);
        }
        throw e;
      }
      await loginLimiter.succeeded(username);
      const token = await tokens.issue(user);
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        secure: c.get("https"),
        maxAge: config.tokenTtlSec,
      });
      deps.log.info(
        { event: "login", userId: user.id, role: user.role, ip: c.get("clientIp") },
        "login",
      );
      return c.json<LoginResponse>({
        userId: user.id,
        role: user.role,
        username: user.username,
        message: "Login successful",
        token,
      });
    })
    .post("/logout", requireAuth(deps), async (c) => {
      const identity = c.get("identity");
      await tokens.revoke(identity);
      await deps.disconnectUser(identity.userId, identity.jti); // sockets opened with this token end with it
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.json({ ok: true });
    });
}
