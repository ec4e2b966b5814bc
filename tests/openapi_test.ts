/**
 * The OpenAPI document: valid OpenAPI 3.1 (a maintained validator), every Hono route in it and nothing
 * else, and one real response of each route (plus real errors) matching its documented schema.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { socketSchemas } from "../lib/protocol.ts";
import { createApp } from "../server/app.ts";
import { openApiPath } from "../server/openapi/document.ts";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { jpeg } from "./helpers/images.ts";
import { api, type Json, login, loginAll, startTestServer, waitUntil } from "./helpers/server.ts";
import { type Client, connect, send, sendRaw } from "./helpers/sockets.ts";

const TOKEN = "openapi-test-metrics-token";
const ajv = new Ajv2020({ strict: false, allErrors: true });

// deno-lint-ignore no-explicit-any
type Doc = any;

/** Checks `r` against the schema the document gives for its status (and content type). */
function assertDocumented(doc: Doc, method: string, path: string, r: Json): void {
  const op = doc.paths[openApiPath(path)]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${path} is documented`);
  const response = op.responses[String(r.status)];
  assert.ok(
    response,
    `${method} ${path}: status ${r.status} is documented (${JSON.stringify(r.body).slice(0, 200)})`,
  );
  const type = (r.headers.get("content-type") ?? "").split(";")[0];
  const [documentedType, media] = Object.entries(response.content ?? {})[0] as [string, { schema?: object }];
  assert.equal(type, documentedType.split(";")[0], `${method} ${path}: content type`);
  if (!media.schema) return;
  const validate = ajv.compile(media.schema);
  assert.ok(
    validate(r.body),
    `${method} ${path} ${r.status} matches its schema: ${ajv.errorsText(validate.errors)}\n${
      JSON.stringify(r.body).slice(0, 400)
    }`,
  );
}

Deno.test("OpenAPI: a valid 3.1 document covering every route, each real response matching it", async (t) => {
  const server = await startTestServer({ MOBIMAINT_METRICS_TOKEN: TOKEN });
  const base = server.url;
  try {
    const res = await api(base, "GET", "/api/openapi.json");
    assert.equal(res.status, 200);
    const doc: Doc = res.body;

    await t.step("the document validates as OpenAPI 3.1", async () => {
      const validator = new Validator();
      const result = await validator.validate(doc);
      assert.equal(validator.version, "3.1");
      assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
    });

    await t.step("every Hono route is in the document, and every documented route exists", () => {
      const routes = createApp(server.deps).routes.filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${openApiPath(r.path)}`);
      const documented = Object.entries(doc.paths as Record<string, object>)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      assert.ok(routes.length >= 20, `found ${routes.length} routes`);
      assert.deepEqual([...new Set(routes)].sort(), documented.sort());
    });

    await t.step("one real response of every route matches its schema", async () => {
      const { tech, expert, admin } = await loginAll(base);
      const user3 = await login(base, "user3", "p3");
      // Snapshots need an active call.
      const pair = await connectPair(base);
      const active = await startActiveCall(
        base,
        pair.tech.token,
        pair.techSocket,
        pair.expertSocket,
        "user2",
      );
      // Made after that ring: a Technician's new ring ends its other pending calls.
      const callId =
        (await api(base, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      const ended =
        (await api(base, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      const jpegBody = await jpeg();
      const calls: [string, string, Parameters<typeof api>[3]?][] = [
        ["POST", "/login", { body: { username: "user4", password: "P" } }],
        ["POST", "/logout", { token: user3.token }],
        ["POST", "/api/create-call", { token: tech.token, body: {} }],
        ["GET", "/api/calls", { token: admin.token }],
        ["GET", `/api/calls/${callId}`, { token: tech.token }],
        ["POST", `/api/calls/${active}/snapshots`, {
          token: tech.token,
          body: jpegBody,
          headers: { "content-type": "image/jpeg" },
        }],
        ["GET", `/api/calls/${active}/snapshots`, { token: tech.token }],
        ["GET", `SNAPSHOT_URL`, { token: expert.token }],
        ["POST", `/api/calls/${ended}/end`, { token: tech.token, body: { reason: "test" } }],
        ["GET", "/api/history", { token: tech.token }],
        ["GET", "/api/experts", { token: tech.token }],
        ["GET", "/api/users/status", { token: admin.token }],
        ["POST", "/api/users", {
          token: admin.token,
          body: { username: "newbie", password: "pw", role: "Expert" },
        }],
        ["PUT", "/api/users/newbie/password", { token: admin.token, body: { password: "pw2" } }],
        ["DELETE", "/api/users/newbie", { token: admin.token }],
        ["GET", "/health"],
        ["GET", "/api/ice-servers", { token: expert.token }],
        ["GET", "/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }],
        ["GET", "/api/openapi.json"],
        ["GET", "/api/asyncapi.json"],
        ["GET", "/api/docs"],
        ["GET", "/api/docs/events"],
        ["GET", "/api/docs/init.js"],
      ];
      const patterns = new Map(
        createApp(server.deps).routes.filter((r) => r.method !== "ALL").map((
          r,
        ) => [`${r.method} ${r.path}`, r]),
      );
      const covered = new Set<string>();
      let snapshotUrl = "";
      for (const [method, template, opts] of calls) {
        const path = template === "SNAPSHOT_URL" ? snapshotUrl : template;
        const r = await api(base, method, path, opts);
        const created = method === "POST" && path.endsWith("/snapshots");
        if (created) snapshotUrl = r.body.url;
        assert.equal(
          r.status,
          created ? 201 : 200,
          `${method} ${path}: ${JSON.stringify(r.body).slice(0, 200)}`,
        );
        // The pattern this path matched, as the document names it.
        const pattern = [...patterns.keys()].find((k) => {
          const [m, p] = k.split(" ");
          return m === method && new RegExp(`^${p.replace(/:[^/]+/g, "[^/]+")}$`).test(path);
        });
        assert.ok(pattern, `${method} ${path} matches a route`);
        covered.add(pattern);
        assertDocumented(doc, method, pattern.split(" ")[1], r);
      }
      pair.techSocket.close();
      pair.expertSocket.close();
      assert.deepEqual([...covered].sort(), [...patterns.keys()].sort(), "one request per route");
    });

    await t.step("real error answers match the documented codes of their route", async () => {
      const { tech, admin } = await loginAll(base);
      const errors: [string, string, string, Parameters<typeof api>[3]?][] = [
        ["POST", "/login", "/login", { body: { username: "user1", password: "wrong" } }],
        ["POST", "/login", "/login", { body: "{bad" }],
        ["GET", "/api/calls", "/api/calls", { token: tech.token }],
        ["GET", "/api/calls/nope", "/api/calls/:id", { token: tech.token }],
        ["POST", "/api/calls/nope/end", "/api/calls/:id/end", { token: tech.token, body: {} }],
        ["POST", "/api/create-call", "/api/create-call", { token: admin.token, body: {} }],
        ["POST", "/api/users", "/api/users", {
          token: admin.token,
          body: { username: "user1", password: "x", role: "Expert" },
        }],
        ["DELETE", "/api/users/nobody", "/api/users/:username", { token: admin.token }],
        ["GET", "/api/history?limit=0", "/api/history", { token: tech.token }],
        ["GET", "/api/experts", "/api/experts", {}],
        ["GET", "/metrics", "/metrics", {}],
        ["GET", "/api/docs/other.js", "/api/docs/:file", {}],
        ["POST", "/api/users", "/api/users", {
          token: admin.token,
          body: JSON.stringify({ pad: "x".repeat(70_000) }),
        }],
      ];
      for (const [method, path, pattern, opts] of errors) {
        const r = await api(base, method, path, opts);
        assert.ok(r.status >= 400, `${method} ${path} fails`);
        assertDocumented(doc, method, pattern, r);
      }
    });
  } finally {
    await server.close();
  }
});

Deno.test("AsyncAPI: every socket event is described, and real payloads of a call match", async () => {
  const clock = new FakeClock();
  const server = await startTestServer({}, undefined, { clock });
  const base = server.url;
  const { tech, expert, techSocket, expertSocket } = await connectPair(base);
  const boards: Client[] = [];
  try {
    const doc: Doc = (await api(base, "GET", "/api/asyncapi.json")).body;
    const messages = doc.channels.signaling.messages as Record<
      string,
      { name: string; payload?: { schema: object } }
    >;
    const clientEvents = [...Object.keys(socketSchemas(server.config.limits)), "ping"].sort();
    const described = (prefix: string) =>
      Object.keys(messages).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
    assert.deepEqual(described("from-client-"), clientEvents);
    for (const key of Object.keys(messages)) assert.ok(doc.operations[key], `operation ${key}`);

    const seen: [string, unknown][] = [];
    for (const s of [techSocket, expertSocket]) s.onAny((event, payload) => seen.push([event, payload]));
    const boardSeen: [string, unknown][] = [];
    for (const token of [tech.token, expert.token]) {
      const board = await connect(`${base}/board`, token);
      boards.push(board);
      board.onAny((event, payload) => boardSeen.push([event, payload]));
    }
    const callId = await startActiveCall(base, tech.token, techSocket, expertSocket, expert.userId);
    const to = { tech: tech.userId, expert: expert.userId };
    await send(techSocket, "offer", { callId, offer: { type: "offer", sdp: "v=0" }, to: to.expert });
    await send(expertSocket, "answer", { callId, answer: { type: "answer", sdp: "v=0" }, to: to.tech });
    await send(techSocket, "ice-candidate", {
      callId,
      candidate: { candidate: "c", sdpMid: "0" },
      to: to.expert,
    });
    await send(expertSocket, "annotation", { callId, id: "a1", text: "here", x: 0.5, y: 0.5, kind: "pin" });
    await send(expertSocket, "annotation-delete", { callId, id: "a1" });
    await send(techSocket, "annotation-clear", { callId });
    await send(techSocket, "chat", { callId, id: "m1", text: "hello" });
    await send(techSocket, "ping");
    await sendRaw(techSocket, "chat", { callId }); // refused: an `error` event
    await send(techSocket, "reconnect-after-call", {});
    await send(techSocket, "end-call", { callId });
    // Everything sent has arrived: the presence flush has run, and a ping answered after it on each socket.
    await clock.advance(1000);
    await server.signaling.presenceSettled();
    await Promise.all([send(techSocket, "ping"), send(expertSocket, "ping")]);
    const kinds = new Set(seen.map(([e]) => e));
    for (
      const e of [
        "call-request",
        "call-response",
        "user-joined",
        "existing-users",
        "offer",
        "ice-candidate",
        "chat",
      ]
    ) assert.ok(kinds.has(e), `saw ${e}`);
    assert.ok(kinds.size >= 15, `saw ${[...kinds].join(", ")}`);
    for (const [event, payload] of seen) {
      const message = messages[`to-client-${event}`];
      assert.ok(message, `server event ${event} is described`);
      const validate = ajv.compile(message.payload!.schema);
      assert.ok(validate(payload), `${event}: ${ajv.errorsText(validate.errors)} ${JSON.stringify(payload)}`);
    }
    // The board stream's copies, against its own channel.
    const boardMessages = doc.channels.board.messages as typeof messages;
    await waitUntil("the board stream's two copies", () => boardSeen.length >= 2);
    assert.deepEqual(boardSeen.map(([e]) => e).sort(), ["annotation", "chat"]);
    for (const [event, payload] of boardSeen) {
      const validate = ajv.compile(boardMessages[`board-to-client-${event}`].payload!.schema);
      assert.ok(validate(payload), `board ${event}: ${ajv.errorsText(validate.errors)}`);
    }
  } finally {
    for (const b of boards) b.close();
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
