/**
 * Generated hostile payloads for every client→server socket event (fast-check): each event's fields,
 * with the ways to break each one (wrong type, removed, too long, invalid, naming nothing real), and
 * the payload a case sends. Used by the fuzz test.
 */
import fc from "fast-check";
import { deep, extras, hostileString, hugeString, longer, nonFinite, withOwn, wrongType } from "./hostile.ts";

type Kind = "string" | "number" | "boolean" | "object";
export interface Field {
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

export interface Ctx {
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

export const EVENTS: Record<string, EventSpec> = {
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
export type Break = "remove" | "type" | "huge" | "invalid" | "ref" | "top";
export interface SocketCase {
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

export const socketCase: fc.Arbitrary<SocketCase> = fc.oneof(
  ...Object.entries(EVENTS).map(([event, spec]) =>
    fc.oneof(topLevel(event, spec), ...spec.fields.flatMap((f) => fieldBreaks(event, f)))
  ),
);

export function buildPayload(c: SocketCase, ctx: Ctx): unknown {
  if (c.how === "top") return c.value;
  const base = EVENTS[c.event].base(ctx);
  if (c.how === "remove") delete base[c.field!];
  else base[c.field!] = c.value;
  return withOwn(base, c.extra);
}
