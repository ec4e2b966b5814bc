/**
 * Generated hostile REST requests for every endpoint (fast-check): missing or bad tokens, the wrong
 * role, broken or raw bodies, hostile path segments and query strings, hostile logins; and the request
 * a case sends. Used by the fuzz test.
 */
import fc from "fast-check";
import type { Field } from "./fuzz_socket.ts";
import { extras, hostileString, longer, withOwn, wrongType } from "./hostile.ts";
import type { Json } from "./server.ts";

export interface RestCase {
  endpoint: number;
  how: "auth" | "role" | "body" | "raw-body" | "param" | "query" | "login";
  value: unknown;
  extra: Record<string, unknown>;
}

export interface Tokens {
  tech: string;
  admin: string;
  expert: string;
  callId: string;
}

export interface Endpoint {
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

export const ENDPOINTS: Endpoint[] = [
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

export const restCase: fc.Arbitrary<RestCase> = fc.oneof(
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

export async function sendRest(base: string, t: Tokens, c: RestCase): Promise<Json> {
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
