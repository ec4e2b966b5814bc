/** Experts directory (compat), users status (compat, Admin) and user administration (Admin). */
import { Hono } from "hono";
import { createUserBody, passwordBody, usernameSchema } from "../../lib/protocol.ts";
import type { ExpertsResponse, OkResponse, UserResponse, UsersStatusResponse } from "../../lib/rest.ts";
import type { Deps, Env } from "../context.ts";
import { directory } from "../domain/directory.ts";
import { parseOrThrow } from "../domain/errors.ts";
import { jsonBody, requireAuth } from "./middleware.ts";

export function userRoutes(deps: Deps) {
  const { users, presence } = deps;
  // Hono already decodes path params; decoding again threw on "%" (500) and double-decoded "%2541".
  const username = (raw: string) => parseOrThrow(usernameSchema, raw);
  return new Hono<Env>()
    .get("/api/experts", requireAuth(deps), async (c) => {
      const experts = await directory(users, presence, "Expert");
      return c.json<ExpertsResponse>({ totalExperts: experts.length, experts });
    })
    .get("/api/users/status", requireAuth(deps, "Admin"), async (c) => {
      const list = await directory(users, presence);
      return c.json<UsersStatusResponse>({
        totalUsers: list.length,
        onlineUsers: list.filter((u) => u.status === "online").length,
        users: list,
      });
    })
    .post("/api/users", requireAuth(deps, "Admin"), async (c) => {
      return c.json<UserResponse>(await users.create(await jsonBody(c, createUserBody)));
    })
    .delete("/api/users/:username", requireAuth(deps, "Admin"), async (c) => {
      await users.remove(c.get("identity"), username(c.req.param("username")));
      return c.json<OkResponse>({ ok: true });
    })
    .put(
      "/api/users/:username/password",
      requireAuth(deps, "Admin"),
      async (c) => {
        const { password } = await jsonBody(c, passwordBody);
        return c.json<UserResponse>(await users.setPassword(username(c.req.param("username")), password));
      },
    );
}
