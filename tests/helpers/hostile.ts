/**
 * fast-check arbitraries for hostile input: wrong types, huge strings, deep
 * nesting, prototype-pollution keys, unicode edge cases, non-finite numbers
 * and binary. Used by the property-based fuzz tests.
 */
import fc from "fast-check";

/** Strings that are never a real id: control chars, lone surrogates, RTL marks, traversal, SQL/NoSQL-ish. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\uD800",
    "\uDFFF\uD800",
    "\u202E\u2066evil",
    "\uFEFF",
    "e\u0301\u0301\u0301",
    "👩‍👩‍👧‍👦",
    "../../etc/passwd",
    "..%2F..%2F",
    "%E0%A4%A",
    "%",
    "%%",
    "%25E0",
    "${7*7}",
    "{{7*7}}",
    "'; DROP TABLE users; --",
    '{"$ne":null}',
    "__proto__",
    "constructor",
    "<script>alert(1)</script>",
    "null",
    "undefined",
    "NaN",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
).map((s) => `~${s}`); // the prefix keeps generated text from ever equalling a real id

/** Longer than any id or text limit (ids 128, text 500, chat 2,000 characters). */
export const hugeString: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 129, max: 3000 }).map((n) => "A".repeat(n)),
  fc.integer({ min: 2001, max: 20_000 }).map((n) => "€".repeat(n)),
);

export const binary: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 0, maxLength: 512 });

export const nonFinite: fc.Arbitrary<number> = fc.constantFrom(NaN, Infinity, -Infinity);

/** A structure nested `depth` levels deep (arrays or objects). */
export const deep: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 50, max: 3000 }), fc.boolean()).map(
  ([depth, arrays]) => {
    let v: unknown = "bottom";
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  },
);

/** Own `__proto__` / `constructor` / `prototype` keys, as JSON.parse creates them (an object literal would not). */
export const pollution: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom(
  '{"__proto__":{"polluted":"yes","role":"Admin","isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"__proto__":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"},"toString":"x","hasOwnProperty":1,"valueOf":null}',
).map((json) => JSON.parse(json));

/** Any value of the wrong type for a field expecting `kind`. */
export function wrongType(kind: "string" | "number" | "boolean" | "object"): fc.Arbitrary<unknown> {
  const all = {
    string: fc.string({ maxLength: 20 }),
    number: fc.oneof(fc.integer(), fc.double()),
    boolean: fc.boolean(),
    object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  };
  const others = (Object.keys(all) as (keyof typeof all)[]).filter((k) => k !== kind).map((k) => all[k]);
  if (kind === "number") others.push(nonFinite as fc.Arbitrary<never>);
  return fc.oneof(
    ...others,
    fc.constant(null),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    binary,
    deep,
    pollution,
  );
}

/** Extra junk to merge into an otherwise-broken payload: pollution keys, deep values, binary, unknown fields. */
export const extras: fc.Arbitrary<Record<string, unknown>> = fc.record({
  pollute: fc.option(pollution, { nil: undefined }),
  junk: fc.option(
    fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(deep, binary, hugeString, fc.jsonValue()), {
      maxKeys: 3,
    }),
    { nil: undefined },
  ),
}).map(({ pollute, junk }) => withOwn(pollute ?? {}, junk ?? {}));

/** Merges `extra` into `base` as own properties (so `__proto__` stays a plain key). */
export function withOwn(
  base: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const src of [extra, base]) {
    for (const key of Object.keys(src)) {
      Object.defineProperty(out, key, {
        value: src[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/** Strings longer than `max` (1 to 3 times over), in one-, two-, three- and four-byte characters. */
export function longer(max: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: max + 1, max: max * 3 }), fc.constantFrom("a", "é", "€", "😀"))
    .map(([n, ch]) => ch.repeat(n));
}
