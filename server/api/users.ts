/** Experts directory (compat), users status (compat, Admin) and user administration (Admin). */
import { Hono } from "hono";
import { createUserBody, passwordBody, usernameSchema } from "../../lib/protocol.ts";
import type { ExpertsResponse, OkResponse, UserResponse, UsersStatusResponse } from "../../lib/rest.ts";
import type { Deps, Env } from "../context.ts";
import { directory } from "../domain/directory.ts";
import { requireAuth } from "./middleware.ts";
import { validJson, validParam } from "./validate.ts";

// Hono already decodes path params; decoding again threw on "%" (500) and double-decoded "%2541".
const username = validParam({ username: usernameSchema });

export function userRoutes(deps: Deps) {
  const { users, presence } = deps;
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
    .post("/api/users", requireAuth(deps, "Admin"), validJson(createUserBody), async (c) => {
      return c.json<UserResponse>(await users.create(c.req.valid("json")));
    })
    .delete("/api/users/:username", requireAuth(deps, "Admin"), username, async (c) => {
      await users.remove(c.get("identity"), c.req.valid("param").username);
      return c.json<OkResponse>({ ok: true });
    })
    // The body is checked before the username, as it always was.
    .put(
      "/api/users/:username/password",
      requireAuth(deps, "Admin"),
      validJson(passwordBody),
      username,
      async (c) => {
        const { password } = c.req.valid("json");
        return c.json<UserResponse>(await users.setPassword(c.req.valid("param").username, password));
      },
    );
}
