/** Calls: create (compat), list (compat, Admin), detail, end, history. */
import { Hono } from "hono";
import { createCallBody, endCallBody, historyQuery, idSchema } from "../../lib/protocol.ts";
import type { Deps, Env } from "../context.ts";
import { forbidden, parseOrThrow } from "../domain/errors.ts";
import type { Context } from "hono";
import { jsonBody, requireAuth } from "./middleware.ts";

/** The `:id` path param, validated like every call id (an over-long key would make the store throw). */
const callIdParam = (c: Context<Env>) => parseOrThrow(idSchema, c.req.param("id"));

export function callRoutes(deps: Deps) {
  const { calls, store } = deps;
  return new Hono<Env>()
    .post("/api/create-call", requireAuth(deps), async (c) => {
      const who = c.get("identity");
      const body = await jsonBody(c, createCallBody);
      if (body.userId !== undefined && body.userId !== who.userId) {
        throw forbidden("userId does not match the authenticated user");
      }
      const call = await calls.create(who);
      return c.json({ callId: call.callId });
    })
    .get("/api/calls", requireAuth(deps, "Admin"), async (c) => {
      const [list, users] = await Promise.all([
        calls.summaries(),
        store.listUsers(),
      ]);
      return c.json({
        totalCalls: list.length,
        totalUsers: users.length,
        calls: list,
      });
    })
    .get("/api/calls/:id", requireAuth(deps), async (c) => {
      const callId = callIdParam(c);
      const detail = await calls.detail(c.get("identity"), callId);
      return c.json({ ...detail, snapshots: await deps.snapshots.list(callId) });
    })
    .post("/api/calls/:id/end", requireAuth(deps), async (c) => {
      const { reason } = await jsonBody(c, endCallBody);
      await calls.end(c.get("identity"), callIdParam(c), reason);
      return c.json({ ok: true });
    })
    .get("/api/history", requireAuth(deps), async (c) => {
      const page = parseOrThrow(historyQuery, c.req.query());
      const list = await calls.history(c.get("identity"), page);
      return c.json({ total: list.length, calls: list });
    });
}
