/** Calls: create (compat), list (compat, Admin), detail, end, history. */
import { Hono } from "hono";
import { createCallBody, endCallBody, historyQuery } from "../../lib/protocol.ts";
import type {
  CallDetailResponse,
  CallsResponse,
  CreateCallResponse,
  HistoryResponse,
  OkResponse,
} from "../../lib/rest.ts";
import type { Deps, Env } from "../context.ts";
import { forbidden, parseOrThrow } from "../domain/errors.ts";
import { jsonBody, requireAuth } from "./middleware.ts";

export function callRoutes(deps: Deps) {
  const { calls, users } = deps;
  return new Hono<Env>()
    .post("/api/create-call", requireAuth(deps), async (c) => {
      const who = c.get("identity");
      const body = await jsonBody(c, createCallBody);
      if (body.userId !== undefined && body.userId !== who.userId) {
        throw forbidden("userId does not match the authenticated user");
      }
      const call = await calls.create(who);
      return c.json<CreateCallResponse>({ callId: call.callId });
    })
    .get("/api/calls", requireAuth(deps, "Admin"), async (c) => {
      const [list, all] = await Promise.all([calls.summaries(), users.list()]);
      return c.json<CallsResponse>({ totalCalls: list.length, totalUsers: all.length, calls: list });
    })
    .get("/api/calls/:id", requireAuth(deps), async (c) => {
      const callId = c.req.param("id");
      const detail = await calls.detail(c.get("identity"), callId);
      return c.json<CallDetailResponse>({ ...detail, snapshots: await deps.snapshots.list(callId) });
    })
    .post("/api/calls/:id/end", requireAuth(deps), async (c) => {
      const { reason } = await jsonBody(c, endCallBody);
      await calls.end(c.get("identity"), c.req.param("id"), reason);
      return c.json<OkResponse>({ ok: true });
    })
    .get("/api/history", requireAuth(deps), async (c) => {
      const page = parseOrThrow(historyQuery, c.req.query());
      const list = await calls.history(c.get("identity"), page);
      return c.json<HistoryResponse>({ total: list.length, calls: list });
    });
}
