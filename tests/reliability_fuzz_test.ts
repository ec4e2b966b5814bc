/**
 * Property-based fuzzing (fast-check): thousands of generated malformed or
 * hostile payloads across every client→server event and every REST endpoint.
 * Each one must be refused with a documented error code, nothing may crash or
 * reject unhandled, the store must be unchanged and a normal call must work
 * afterwards on the same server. MOBIMAINT_FUZZ_RUNS scales the run (default
 * 6,000 socket + 4,000 REST cases); MOBIMAINT_FUZZ_SEED replays a run.
 */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import fc from "fast-check";
import { ERROR_CODES, type ErrorCode } from "../lib/types.ts";
import { ERROR_STATUS } from "../server/domain/errors.ts";
import type { Store } from "../server/store/store.ts";
import { buildPayload, socketCase } from "./helpers/fuzz_socket.ts";
import { ENDPOINTS, restCase, sendRest, type Tokens } from "./helpers/fuzz_rest.ts";
import { ADMIN_PASSWORD, api, login, loginAll, startTestServer } from "./helpers/server.ts";
import { type Client, connect, next, send, sendRaw } from "./helpers/sockets.ts";

const RUNS = Number(Deno.env.get("MOBIMAINT_FUZZ_RUNS") ?? 10_000);
const SEED = Number(Deno.env.get("MOBIMAINT_FUZZ_SEED") ?? Date.now() % 2 ** 31);
const DOCUMENTED = new Set<string>(ERROR_CODES.filter((c) => c !== "INTERNAL"));
const LIMITS = {
  MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "1000000", // measure validation, not throttling
  MOBIMAINT_LIMIT_SDP_BYTES: "2000",
  MOBIMAINT_LIMIT_CANDIDATE_BYTES: "500",
  MOBIMAINT_LIMIT_TEXT_CHARS: "200",
  MOBIMAINT_LIMIT_CHAT_CHARS: "300",
  MOBIMAINT_LIMIT_POINTS: "50",
};

async function snapshot(store: Store): Promise<string> {
  const calls = (await store.listCalls()).sort((a, b) => a.callId.localeCompare(b.callId));
  const users = (await store.listUsers()).sort((a, b) => a.id.localeCompare(b.id));
  const content = await Promise.all(
    calls.map(async (c) => ({
      ann: await store.listAnnotations(c.callId),
      chat: await store.listChat(c.callId),
    })),
  );
  return JSON.stringify({ users, calls, content });
}

Deno.test({
  name: `fuzz: ${RUNS} generated hostile payloads over every socket event and REST endpoint are refused`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const unhandled: unknown[] = [];
    const onRejection = (e: PromiseRejectionEvent) => {
      unhandled.push(e.reason);
      e.preventDefault();
    };
    const onError = (e: ErrorEvent) => {
      unhandled.push(e.error);
      e.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", onRejection);
    globalThis.addEventListener("error", onError);
    const server = await startTestServer(LIMITS);
    const sockets: Client[] = [];
    try {
      const users = await loginAll(server.url);
      const outsider = await login(server.url, "user3", "p3");
      // Logged in before the fuzzing: its hostile logins use up this client's login budget.
      const laterExpert = await login(server.url, "user4", "P");
      const [techS, expertS, outsiderS] = await Promise.all(
        [users.tech, users.expert, outsider].map((u) => connect(server.url, u.token)),
      );
      sockets.push(techS, expertS, outsiderS);
      const callId = await startActiveCall(server.url, users.tech.token, techS, expertS, users.expert.userId);
      assert.equal(
        (await send(expertS, "annotation", { callId, id: "kept", text: "k", x: 0.2, y: 0.2 })).ok,
        true,
      );
      assert.equal((await send(techS, "chat", { callId, id: "kept", text: "kept" })).ok, true);
      const before = await snapshot(server.deps.store);

      const actors = [
        { socket: techS, ctx: { self: users.tech.userId, peer: users.expert.userId, callId } },
        { socket: expertS, ctx: { self: users.expert.userId, peer: users.tech.userId, callId } },
        { socket: outsiderS, ctx: { self: outsider.userId, peer: users.tech.userId, callId } },
      ];
      const codes: Record<string, number> = {};
      const socketRuns = Math.round(RUNS * 0.6);
      const restRuns = RUNS - socketRuns;
      const t0 = performance.now();
      await fc.assert(
        fc.asyncProperty(socketCase, async (c) => {
          const { socket, ctx } = actors[c.actor];
          const ack = await sendRaw(socket, c.event, buildPayload(c, ctx), 5000);
          assert.equal(ack.ok, false, `${c.event} (${c.how} ${c.field ?? ""}) was accepted`);
          if (ack.ok) return;
          codes[ack.error.code] = (codes[ack.error.code] ?? 0) + 1;
          assert.ok(
            DOCUMENTED.has(ack.error.code),
            `undocumented code ${ack.error.code}: ${ack.error.message}`,
          );
          if (c.how !== "ref") assert.equal(ack.error.code, "BAD_REQUEST", ack.error.message);
          assert.equal(typeof ack.error.message, "string");
        }),
        { numRuns: socketRuns, seed: SEED },
      );
      const socketMs = performance.now() - t0;

      const tokens: Tokens = {
        tech: users.tech.token,
        admin: users.admin.token,
        expert: users.expert.token,
        callId,
      };
      const statuses: Record<number, number> = {};
      const t1 = performance.now();
      await fc.assert(
        fc.asyncProperty(restCase, async (c) => {
          const r = await sendRest(server.url, tokens, c);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          const what = `${ENDPOINTS[c.endpoint].method} ${ENDPOINTS[c.endpoint].path(tokens)} (${c.how})`;
          assert.ok(
            r.status >= 400 && r.status < 500,
            `${what}: status ${r.status} ${JSON.stringify(r.body)}`,
          );
          assert.equal(typeof r.body?.message, "string", `${what}: body ${JSON.stringify(r.body)}`);
          assert.ok(DOCUMENTED.has(r.body.code), `${what}: code ${r.body.code}`);
          assert.equal(ERROR_STATUS[r.body.code as ErrorCode], r.status, what);
          const expected = {
            auth: ["UNAUTHORIZED"],
            role: ["FORBIDDEN"],
            body: ["BAD_REQUEST", "PAYLOAD_TOO_LARGE"],
            "raw-body": ["BAD_REQUEST", "PAYLOAD_TOO_LARGE"],
            param: ["BAD_REQUEST", "NOT_FOUND"],
            query: ["BAD_REQUEST"],
            login: ["UNAUTHORIZED", "RATE_LIMITED"],
          }[c.how];
          assert.ok(expected.includes(r.body.code), `${what}: ${r.body.code} ${r.body.message}`);
        }),
        { numRuns: restRuns, seed: SEED },
      );
      const restMs = performance.now() - t1;
      console.log(
        `fuzz seed ${SEED}: ${socketRuns} socket cases in ${(socketMs / 1000).toFixed(1)} s ${
          JSON.stringify(codes)
        }; ${restRuns} REST cases in ${(restMs / 1000).toFixed(1)} s ${JSON.stringify(statuses)}`,
      );

      assert.deepEqual(unhandled, [], "no unhandled rejections or uncaught errors");
      assert.equal(await snapshot(server.deps.store), before, "the store is unchanged");
      const probe = {} as Record<string, unknown>;
      assert.equal(probe.polluted, undefined, "Object.prototype is not polluted");
      assert.equal(probe.isAdmin, undefined, "Object.prototype is not polluted");
      for (const s of sockets) assert.equal(s.connected, true, "no fuzzing socket was dropped");

      // A normal call still works on the same server, with fresh sockets.
      const tech2 = await connect(server.url, users.tech.token);
      const expert2 = await connect(server.url, laterExpert.token);
      sockets.push(tech2, expert2);
      const expertId =
        (await api(server.url, "GET", "/api/experts", { token: users.tech.token })).body.experts
          .find((e: { username: string }) => e.username === "user4").id;
      const call2 =
        (await api(server.url, "POST", "/api/create-call", { token: users.tech.token, body: {} })).body
          .callId;
      const rung = next(expert2, "call-request");
      assert.equal((await send(tech2, "call-request", { callId: call2, to: expertId })).ok, true);
      await rung;
      assert.equal((await send(expert2, "call-response", { callId: call2, accepted: true })).ok, true);
      assert.equal((await send(tech2, "join-call", { callId: call2 })).ok, true);
      const offer = next(expert2, "offer");
      assert.equal(
        (await send(tech2, "offer", { callId: call2, to: expertId, offer: { type: "offer", sdp: "v=0" } }))
          .ok,
        true,
      );
      assert.equal((await offer).from, users.tech.userId);
      const ann = next(tech2, "annotation");
      assert.equal(
        (await send(expert2, "annotation", { callId: call2, id: "a", text: "ok", x: 0.5, y: 0.5 })).ok,
        true,
      );
      assert.equal((await ann).text, "ok");
      const admin = await api(server.url, "GET", `/api/calls/${call2}`, { token: users.admin.token });
      assert.equal(admin.body.status, "active");
      assert.equal(ADMIN_PASSWORD.length > 0, true);
    } finally {
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
      for (const s of sockets) s.close();
      await server.close();
    }
  },
});
