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
import { deep, extras, hostileString, hugeString, nonFinite, withOwn, wrongType } from "./helpers/hostile.ts";
import { ADMIN_PASSWORD, api, type Json, login, loginAll, startTestServer } from "./helpers/server.ts";
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

// ---------------------------------------------------------------- socket payloads

type Kind = "string" | "number" | "boolean" | "object";
interface Field {
  name: string;
  kind: Kind;
  required?: boolean;
  /** Max length of a string field: longer is refused. */
  max?: number;
  /** Names a user or call: any other string must be refused (not found, forbidden, invalid). */
  ref?: boolean;
  /** Extra ways to break this field, each refused by validation. */
  invalid?: fc.Arbitrary<unknown>;
  /** `null` is a valid value (ICE end-of-candidates). */
  nullable?: boolean;
}

interface Ctx {
  self: string;
  peer: string;
  callId: string;
}

interface EventSpec {
  /** A payload that names real things; the fuzzer always breaks at least one field of it. */
  base: (c: Ctx) => Record<string, unknown>;
  fields: Field[];
  /** No required fields: `null` / missing payload is a valid call (register, logout...). */
  allOptional?: boolean;
}

const idField = (name: string, more: Partial<Field> = {}): Field => ({
  name,
  kind: "string",
  max: 128,
  ...more,
});
const unitOut = fc.oneof(
  fc.double({ min: 1.0000001, max: 1e9, noNaN: true }),
  fc.double({ max: -1e-9, noNaN: true }),
);

const EVENTS: Record<string, EventSpec> = {
  register: {
    base: (c) => ({ userId: c.self }),
    fields: [idField("userId", { ref: true })],
    allOptional: true,
  },
  "reconnect-after-call": {
    base: (c) => ({ userId: c.self }),
    fields: [idField("userId", { ref: true })],
    allOptional: true,
  },
  logout: {
    base: (c) => ({ userId: c.self }),
    fields: [idField("userId", { ref: true })],
    allOptional: true,
  },
  "call-request": {
    base: (c) => ({ callId: c.callId, from: c.self, to: c.peer }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("from", { ref: true }),
      idField("to", { required: true, ref: true }),
    ],
  },
  "call-cancel": {
    base: (c) => ({ callId: c.callId }),
    fields: [idField("callId", { required: true, ref: true })],
  },
  "call-response": {
    base: (c) => ({ callId: c.callId, from: c.self, to: c.peer, accepted: true }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("from", { ref: true }),
      idField("to"),
      { name: "accepted", kind: "boolean", required: true },
    ],
  },
  "join-call": {
    base: (c) => ({ callId: c.callId, userId: c.self, role: "Technician" }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("userId", { ref: true }),
      { name: "role", kind: "string", max: 32 },
    ],
  },
  offer: relaySpec("offer"),
  answer: relaySpec("answer"),
  "ice-candidate": {
    base: (c) => ({
      callId: c.callId,
      to: c.peer,
      candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host" },
    }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("to", { required: true, ref: true }),
      {
        name: "candidate",
        kind: "object",
        required: true,
        nullable: true,
        invalid: fc.oneof(
          fc.record({ candidate: fc.oneof(wrongType("string"), longer(500)) }),
          fc.record({
            candidate: fc.constant("c"),
            sdpMLineIndex: fc.oneof(fc.constant(-1), fc.constant(1.5)),
          }),
        ),
      },
    ],
  },
  annotation: {
    base: (c) => ({
      callId: c.callId,
      id: "fuzz-annotation",
      text: "t",
      x: 0.5,
      y: 0.5,
      from: c.self,
      kind: "stroke",
      points: [[0.1, 0.2]],
      color: "#ff0000",
      width: 0.01,
    }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("id", { required: true }),
      { name: "text", kind: "string", max: 200 },
      { name: "x", kind: "number", required: true, invalid: nonFinite },
      { name: "y", kind: "number", required: true, invalid: nonFinite },
      idField("from", { ref: true }),
      idField("objectId"),
      idField("frozenFrameId"),
      { name: "kind", kind: "string", invalid: hostileString },
      {
        name: "points",
        kind: "object",
        invalid: fc.oneof(
          fc.array(fc.tuple(unitOut, fc.double({ min: 0, max: 1, noNaN: true })), {
            minLength: 1,
            maxLength: 5,
          }),
          fc.array(fc.tuple(fc.constant(0.5), nonFinite), { minLength: 1, maxLength: 3 }),
          fc.constant([[0.1, 0.2, 0.3]]),
          fc.integer({ min: 51, max: 500 }).map((n) => Array.from({ length: n }, () => [0.5, 0.5])),
          fc.constant([]), // a stroke needs at least one point
        ),
      },
      { name: "color", kind: "string", invalid: hostileString },
      { name: "width", kind: "number", invalid: fc.oneof(nonFinite, fc.constantFrom(0, -0.5, 1.5, 1e300)) },
    ],
  },
  "annotation-delete": {
    base: (c) => ({ callId: c.callId, id: "never-stored" }),
    fields: [idField("callId", { required: true, ref: true }), idField("id", { required: true, ref: true })],
  },
  "annotation-clear": {
    base: (c) => ({ callId: c.callId }),
    fields: [idField("callId", { required: true, ref: true })],
  },
  chat: {
    base: (c) => ({ callId: c.callId, id: "fuzz-chat", text: "hello" }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("id", { required: true }),
      {
        name: "text",
        kind: "string",
        required: true,
        max: 300,
        invalid: fc.constantFrom("", " ", "\n\t ", "\u00a0\u2003"),
      },
    ],
  },
  "end-call": {
    base: (c) => ({ callId: c.callId, to: c.peer }),
    fields: [idField("callId", { required: true, ref: true }), idField("to")],
  },
};

function relaySpec(name: "offer" | "answer"): EventSpec {
  return {
    base: (c) => ({ callId: c.callId, to: c.peer, [name]: { type: name, sdp: "v=0" } }),
    fields: [
      idField("callId", { required: true, ref: true }),
      idField("to", { required: true, ref: true }),
      {
        name,
        kind: "object",
        required: true,
        invalid: fc.oneof(
          fc.record({ type: hostileString, sdp: fc.constant("v=0") }),
          fc.record({ type: fc.constant(name), sdp: fc.oneof(wrongType("string"), longer(2000)) }),
        ),
      },
    ],
  };
}

function longer(max: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: max + 1, max: max * 3 }), fc.constantFrom("a", "é", "€", "😀"))
    .map(([n, ch]) => ch.repeat(n));
}

type Break = "remove" | "type" | "huge" | "invalid" | "ref" | "top";
interface SocketCase {
  event: string;
  actor: number;
  how: Break;
  field?: string;
  value?: unknown;
  extra: Record<string, unknown>;
}

function fieldBreaks(event: string, f: Field): fc.Arbitrary<SocketCase>[] {
  const c = (how: Break, value: fc.Arbitrary<unknown>) =>
    fc.record({ actor: fc.nat(2), value, extra: extras }).map((r) => ({ event, how, field: f.name, ...r }));
  // NaN and ±Infinity go over the wire as null: a valid value where the field is nullable.
  const arrivesAsNull = (v: unknown) => v === null || (typeof v === "number" && !Number.isFinite(v));
  const out = [c("type", wrongType(f.kind).filter((v) => !(f.nullable && arrivesAsNull(v))))];
  if (f.required) out.push(c("remove", fc.constant(undefined)));
  if (f.max !== undefined) {
    out.push(c("huge", fc.oneof(longer(f.max), hugeString.filter((s) => s.length > f.max!))));
  }
  if (f.invalid) out.push(c("invalid", f.invalid));
  if (f.ref) out.push(c("ref", hostileString));
  return out;
}

const topLevel = (event: string, spec: EventSpec) =>
  fc.record({
    actor: fc.nat(2),
    value: fc.oneof(
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
      fc.uint8Array({ maxLength: 256 }),
      deep.filter(Array.isArray),
      // null, NaN and ±Infinity all arrive as null: "no payload", which is valid where no field is required
      ...(spec.allOptional ? [] : [fc.constant(null), nonFinite]),
    ),
  }).map((r): SocketCase => ({ event, how: "top", extra: {}, ...r }));

const socketCase: fc.Arbitrary<SocketCase> = fc.oneof(
  ...Object.entries(EVENTS).map(([event, spec]) =>
    fc.oneof(topLevel(event, spec), ...spec.fields.flatMap((f) => fieldBreaks(event, f)))
  ),
);

function buildPayload(c: SocketCase, ctx: Ctx): unknown {
  if (c.how === "top") return c.value;
  const base = EVENTS[c.event].base(ctx);
  if (c.how === "remove") delete base[c.field!];
  else base[c.field!] = c.value;
  return withOwn(base, c.extra);
}

// ---------------------------------------------------------------- REST requests

interface RestCase {
  endpoint: number;
  how: "auth" | "role" | "body" | "raw-body" | "param" | "query" | "login";
  value: unknown;
  extra: Record<string, unknown>;
}

interface Tokens {
  tech: string;
  admin: string;
  expert: string;
  callId: string;
}

interface Endpoint {
  method: string;
  path: (t: Tokens, param?: string) => string;
  /** Which token a legitimate caller uses; undefined: no token needed. */
  as?: "tech" | "admin" | "expert";
  adminOnly?: boolean;
  body?: (t: Tokens) => Record<string, unknown>;
  bodyFields?: Field[];
  param?: boolean;
  query?: boolean;
}

const ENDPOINTS: Endpoint[] = [
  {
    method: "POST",
    path: () => "/login",
    body: () => ({ username: "user1", password: "P" }),
    bodyFields: [
      { name: "username", kind: "string", required: true, max: 64 },
      { name: "password", kind: "string", required: true, max: 256 },
    ],
  },
  { method: "POST", path: () => "/logout", as: "tech" },
  {
    method: "POST",
    path: () => "/api/create-call",
    as: "tech",
    body: () => ({ userId: "x" }),
    bodyFields: [{ name: "userId", kind: "string", max: 128 }],
  },
  { method: "GET", path: () => "/api/calls", as: "admin", adminOnly: true },
  { method: "GET", path: () => "/api/experts", as: "tech" },
  { method: "GET", path: () => "/api/users/status", as: "admin", adminOnly: true },
  { method: "GET", path: (t, p) => `/api/calls/${p ?? t.callId}`, as: "admin", param: true },
  {
    method: "POST",
    path: (t, p) => `/api/calls/${p ?? t.callId}/end`,
    as: "tech",
    param: true,
    body: () => ({ reason: "fuzz" }),
    bodyFields: [{ name: "reason", kind: "string", max: 200 }],
  },
  { method: "GET", path: () => "/api/history", as: "tech", query: true },
  { method: "GET", path: () => "/api/ice-servers", as: "expert" },
  {
    method: "POST",
    path: () => "/api/users",
    as: "admin",
    adminOnly: true,
    body: () => ({ username: "fuzzed", password: "pw", role: "Expert" }),
    bodyFields: [
      { name: "username", kind: "string", required: true, max: 64, invalid: hostileString },
      { name: "password", kind: "string", required: true, max: 256 },
      { name: "role", kind: "string", required: true, invalid: hostileString },
    ],
  },
  {
    method: "DELETE",
    path: (_t, p) => `/api/users/${p ?? "user5"}`,
    as: "admin",
    adminOnly: true,
    param: true,
  },
  {
    method: "PUT",
    path: (_t, p) => `/api/users/${p ?? "user5"}/password`,
    as: "admin",
    adminOnly: true,
    param: true,
    body: () => ({ password: "new-password" }),
    bodyFields: [{ name: "password", kind: "string", required: true, max: 256 }],
  },
];

/** Path segments that never name a real call or user, some deliberately malformed percent-encoding. */
const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "%",
    "%E0%A4%A",
    "%25E0%A4%A",
    "%25",
    "%00",
    "%2e%2e%2f",
    "a%2Fb",
    "%C0%AF",
    "%FF%FE",
    "~%20",
  ),
  hostileString.map((s) =>
    [...new TextEncoder().encode(s)].map((b) =>
      (b < 128 && /[A-Za-z0-9_~-]/.test(String.fromCharCode(b)))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, "0").toUpperCase()}`
    ).join("")
  ),
  fc.integer({ min: 200, max: 3000 }).map((n) => "~" + "x".repeat(n)),
);

const hostileQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "limit=abc",
    "limit=-1",
    "limit=0",
    "limit=201",
    "limit=1e400",
    "limit=NaN",
    "limit=1.5",
    "before=abc",
    "before=-5",
    "before=Infinity",
    "limit=%E0%A4%A",
  ),
  fc.tuple(fc.constantFrom("limit", "before"), hostileString).map(([k, v]) =>
    `${k}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, "x"))}`
  ),
);

/** Token values that must never authenticate. */
const badToken: fc.Arbitrary<string> = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((n) => String.fromCharCode(n)),
    maxLength: 300,
  }),
  fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.constantFrom(
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwicm9sZSI6IkFkbWluIn0.",
    "null",
    "undefined",
    "Bearer",
  ),
);

function restBodyCases(i: number, e: Endpoint): fc.Arbitrary<RestCase>[] {
  const out: fc.Arbitrary<RestCase>[] = [
    fc.oneof(
      fc.string({ minLength: 1 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return s.trim() !== "";
        }
      }),
      fc.uint8Array({ minLength: 1, maxLength: 512 }).filter((b) => {
        try {
          JSON.parse(new TextDecoder().decode(b));
          return false;
        } catch {
          return new TextDecoder().decode(b).trim() !== "";
        }
      }),
      fc.constantFrom("[".repeat(5000), '{"a":', "\u0000", '{"username": "a" "password": "b"}'),
      fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.double(), fc.boolean(), fc.string())
        .map((v) => JSON.stringify(v)),
      fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }).map((n) => JSON.stringify({ x: "y".repeat(n) })),
    ).map((value) => ({ endpoint: i, how: "raw-body" as const, value, extra: {} })),
  ];
  for (const f of e.bodyFields ?? []) {
    const breaks = [wrongType(f.kind)];
    if (f.required) breaks.push(fc.constant(undefined));
    if (f.max !== undefined) breaks.push(longer(f.max));
    if (f.invalid) breaks.push(f.invalid);
    out.push(
      fc.record({ value: fc.record({ field: fc.constant(f.name), v: fc.oneof(...breaks) }), extra: extras })
        .map((r) => ({ endpoint: i, how: "body" as const, ...r })),
    );
  }
  return out;
}

const restCase: fc.Arbitrary<RestCase> = fc.oneof(
  ...ENDPOINTS.map((e, i) => {
    const cases: fc.Arbitrary<RestCase>[] = [];
    if (e.as) {
      cases.push(
        fc.record({ value: fc.oneof(fc.constant(undefined), badToken) })
          .map((r) => ({ endpoint: i, how: "auth" as const, value: r.value, extra: {} })),
      );
    }
    if (e.adminOnly) {
      cases.push(fc.constant({ endpoint: i, how: "role" as const, value: undefined, extra: {} }));
    }
    if (e.body) cases.push(...restBodyCases(i, e));
    if (e.param) {
      cases.push(hostileSegment.map((value) => ({ endpoint: i, how: "param" as const, value, extra: {} })));
    }
    if (e.query) {
      cases.push(hostileQuery.map((value) => ({ endpoint: i, how: "query" as const, value, extra: {} })));
    }
    if (!e.as) {
      // login with well-formed but hostile credentials: refused (and throttled by the per-client limit)
      cases.push(
        fc.record({
          u: hostileString.filter((s) => s.length <= 64),
          p: fc.string({ minLength: 1, maxLength: 256 }),
        })
          .map((value) => ({ endpoint: i, how: "login" as const, value, extra: {} })),
      );
    }
    return fc.oneof(...cases);
  }),
);

async function sendRest(base: string, t: Tokens, c: RestCase): Promise<Json> {
  const e = ENDPOINTS[c.endpoint];
  const token = c.how === "auth"
    ? c.value as string | undefined
    : c.how === "role"
    ? t.tech
    : e.as && t[e.as];
  let path = e.path(t, c.how === "param" ? c.value as string : undefined);
  if (c.how === "query") path += `?${c.value}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (c.how === "raw-body") body = c.value as string | Uint8Array<ArrayBuffer>;
  else if (c.how === "body") {
    const { field, v } = c.value as { field: string; v: unknown };
    const obj = e.body!(t);
    if (v === undefined) delete obj[field];
    else obj[field] = v;
    body = JSON.stringify(withOwn(obj, c.extra));
  } else if (c.how === "login") {
    const { u, p } = c.value as { u: string; p: string };
    body = JSON.stringify({ username: u, password: p });
  } else if (e.body) body = JSON.stringify(e.body(t));
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = c.how === "auth" ? token : `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method: e.method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* checked below */ }
  return { status: res.status, headers: res.headers, body: parsed };
}

// ---------------------------------------------------------------- the test

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
