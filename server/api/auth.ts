/** POST /login (compat) and POST /logout. */
import { type Context, Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { loginBody, type LoginResponse } from "../../lib/protocol.ts";
import { SESSION_COOKIE } from "../auth/tokens.ts";
import type { Deps, Env } from "../context.ts";
import { AppError } from "../domain/errors.ts";
import { requireAuth } from "./middleware.ts";
import { validJson } from "./validate.ts";

/** Form posts (the login page without JavaScript) go on to the page route. */
export const isFormPost = (c: Context) =>
  /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header("content-type") ?? "");

/** Checks the credentials (with login limits), issues a token and sets the session cookie. */
export async function signIn(deps: Deps, c: Context<Env>, username: string, password: string) {
  const { users, tokens, loginLimiter, config } = deps;
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
  deps.log.info({ event: "login", userId: user.username, role: user.role, ip: c.get("clientIp") }, "login");
  return { user, token };
}

export function authRoutes(deps: Deps) {
  const { tokens } = deps;
  return new Hono<Env>()
    .post("/login", validJson(loginBody, { unless: isFormPost }), async (c, next) => {
      if (isFormPost(c)) return await next();
      const { username, password } = c.req.valid("json");
      const { user, token } = await signIn(deps, c, username, password);
      return c.json<LoginResponse>({
        userId: user.username,
        role: user.role,
        username: user.username,
        message: "Login successful",
        token,
      });
    })
    .post("/logout", requireAuth(deps), async (c) => {
      const identity = c.get("identity");
      await tokens.revoke(identity);
      deps.users.signedOut(identity); // sockets opened with this token end with it
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      // The pages' sign-out button is a plain form.
      if (isFormPost(c)) return c.redirect("/login", 303);
      return c.json({ ok: true });
    });
}
