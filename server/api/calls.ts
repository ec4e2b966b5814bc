/** Calls: create (compat), list (compat, Admin), detail, end, history. */
import { Hono } from "hono";
import { createCallBody, endCallBody, historyQuery, idSchema } from "../../lib/protocol.ts";
import type {
  CallDetailResponse,
  CallsResponse,
  CreateCallResponse,
  HistoryResponse,
  OkResponse,
} from "../../lib/rest.ts";
import type { Deps, Env } from "../context.ts";
import { forbidden } from "../domain/errors.ts";
import { requireAuth } from "./middleware.ts";
import { validJson, validParam, validQuery } from "./validate.ts";

const callId = validParam({ id: idSchema });

export function callRoutes(deps: Deps) {
  const { calls, users } = deps;
  return new Hono<Env>()
    .post("/api/create-call", requireAuth(deps), validJson(createCallBody), async (c) => {
      const who = c.get("identity");
      const body = c.req.valid("json");
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
    .get("/api/calls/:id", requireAuth(deps), callId, async (c) => {
      const { id } = c.req.valid("param");
      const detail = await calls.detail(c.get("identity"), id);
      return c.json<CallDetailResponse>({ ...detail, snapshots: await deps.snapshots.list(id) });
    })
    // The body is checked before the id, as it always was.
    .post("/api/calls/:id/end", requireAuth(deps), validJson(endCallBody), callId, async (c) => {
      const { reason } = c.req.valid("json");
      await calls.end(c.get("identity"), c.req.valid("param").id, reason);
      return c.json<OkResponse>({ ok: true });
    })
    .get("/api/history", requireAuth(deps), validQuery(historyQuery), async (c) => {
      const list = await calls.history(c.get("identity"), c.req.valid("query"));
      return c.json<HistoryResponse>({ total: list.length, calls: list });
    });
}
