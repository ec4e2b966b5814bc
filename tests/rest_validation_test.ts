/**
 * REST validation declared on the routes (server/api/validate.ts), through `app.request` on an in-memory
 * store: a wrong body or an impossible path param is BAD_REQUEST `{message, code}` with the words parseOrThrow
 * gives, the handler (here: the domain call it would make) is never reached, and the OpenAPI descriptions
 * name the very schemas the routes validate with.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../fresh.config.ts";
import { createUserBody, idSchema, usernameSchema } from "../lib/protocol.ts";
import type { Validated } from "../server/api/validate.ts";
import { createApp } from "../server/app.ts";
import { buildDeps, stopDomain } from "../server/deps.ts";
import { parseOrThrow } from "../server/domain/errors.ts";
import { createLogger } from "../server/log.ts";
import { allRouteDocs } from "../server/openapi/all_docs.ts";
import { FsBlobStore } from "../server/store/blobs_fs.ts";
import { KvStore } from "../server/store/kv.ts";

/** The message parseOrThrow gives for `value` (what the handlers answered before the middleware). */
function parseMessage(schema: Parameters<typeof parseOrThrow>[0], value: unknown): string {
  try {
    parseOrThrow(schema, value);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} parsed`);
}

/** Replaces `obj[name]` with a wrapper that records its arguments and calls the original. */
function spy<T extends object, K extends keyof T>(obj: T, name: K): unknown[][] {
  const calls: unknown[][] = [];
  const original = obj[name] as (...args: unknown[]) => unknown;
  obj[name] = ((...args: unknown[]) => {
    calls.push(args);
    return original.apply(obj, args);
  }) as T[K];
  return calls;
}

/**
 * Documented params the route looks up instead of validating: an unknown snapshot or reference file is 404,
 * never 400.
 */
const LOOKED_UP = new Set(["get /api/calls/:id/snapshots/:sid sid", "get /api/docs/:file file"]);

async function setUp() {
  const store = await KvStore.open(":memory:");
  const blobDir = await Deno.makeTempDir({ prefix: "mobimaint-validation-" });
  const blobs = await FsBlobStore.open(blobDir);
  const config = loadConfig({ MOBIMAINT_LOG_LEVEL: "silent" });
  const deps = buildDeps(config, { store, blobs }, createLogger("silent"), { secret: "v".repeat(40) });
  await deps.users.seed({ demo: true, adminPassword: "admin-pw" });
  const app = createApp(deps);
  const tokenOf = async (name: string) => await deps.tokens.issue((await store.getUserByName(name))!);
  const call = async (
    method: string,
    path: string,
    opts: { as?: string; body?: string; type?: string } = {},
  ) => {
    const headers: Record<string, string> = { "content-type": opts.type ?? "application/json" };
    if (opts.as) headers.authorization = `Bearer ${await tokenOf(opts.as)}`;
    const res = await app.request(path, { method, headers, body: opts.body });
    return { status: res.status, body: await res.json() };
  };
  const close = async () => {
    stopDomain(deps);
    await store.close();
    await blobs.close();
    await Deno.remove(blobDir, { recursive: true });
  };
  return { deps, app, call, close };
}

Deno.test("REST validation is route middleware: bad input is 400 {message, code}, the handler is not reached", async (t) => {
  const { deps, app, call, close } = await setUp();
  const created = spy(deps.users, "create");
  const removed = spy(deps.users, "remove");
  const passwordSet = spy(deps.users, "setPassword");
  const detailed = spy(deps.calls, "detail");
  const ended = spy(deps.calls, "end");
  const callsCreated = spy(deps.calls, "create");
  try {
    await t.step("a wrong body shape", async () => {
      const body = { username: "no spaces allowed", password: "", role: "Boss" };
      const r = await call("POST", "/api/users", { as: "admin", body: JSON.stringify(body) });
      assert.deepEqual(r, {
        status: 400,
        body: { message: parseMessage(createUserBody, body), code: "BAD_REQUEST" },
      });
      assert.match(r.body.message, /^username: .*; password: .*; role: /);
      assert.equal(created.length, 0);

      const end = await call("POST", "/api/calls/call_x/end", { as: "admin", body: '{"reason": 5}' });
      assert.deepEqual([end.status, end.body.code], [400, "BAD_REQUEST"]);
      assert.match(end.body.message, /^reason: /);
      assert.equal(ended.length, 0);
    });

    await t.step(
      "malformed JSON is refused, an empty body is {}, a body is read whatever its Content-Type",
      async () => {
        const bad = await call("POST", "/api/create-call", { as: "user1", body: "{" });
        assert.deepEqual(bad, {
          status: 400,
          body: { message: "Body is not valid JSON", code: "BAD_REQUEST" },
        });
        assert.equal(callsCreated.length, 0);
        const empty = await call("POST", "/api/create-call", { as: "user1" });
        assert.equal(empty.status, 200);
        assert.equal(callsCreated.length, 1);
        const plain = await call("POST", "/login", {
          type: "text/plain",
          body: JSON.stringify({ username: "user1", password: "P" }),
        });
        assert.deepEqual([plain.status, plain.body.userId], [200, "user1"]);
      },
    );

    await t.step("a bad path param", async () => {
      const long = "x".repeat(3000);
      const r = await call("GET", `/api/calls/${long}`, { as: "admin" });
      assert.deepEqual(r, {
        status: 400,
        body: { message: parseMessage(idSchema, long), code: "BAD_REQUEST" },
      });
      assert.equal(detailed.length, 0);
      const snaps = await call("GET", `/api/calls/${long}/snapshots`, { as: "admin" });
      assert.deepEqual([snaps.status, snaps.body.code], [400, "BAD_REQUEST"]);
      assert.equal(detailed.length, 0);

      const del = await call("DELETE", "/api/users/not%20a%20name!", { as: "admin" });
      assert.deepEqual(del, {
        status: 400,
        body: { message: parseMessage(usernameSchema, "not a name!"), code: "BAD_REQUEST" },
      });
      assert.equal(removed.length, 0);
      const put = await call("PUT", "/api/users/a%2Fb/password", { as: "admin", body: '{"password": "pw"}' });
      assert.deepEqual([put.status, put.body.code], [400, "BAD_REQUEST"]);
      assert.equal(passwordSet.length, 0);
    });

    await t.step("the body is still checked before the param where it was", async () => {
      const r = await call("POST", `/api/calls/${"x".repeat(3000)}/end`, {
        as: "admin",
        body: '{"reason": 5}',
      });
      assert.match(r.body.message, /^reason: /);
    });

    await t.step("authentication comes first; the handler gets the parsed values", async () => {
      assert.equal((await call("GET", `/api/calls/${"x".repeat(3000)}`)).status, 401);
      const put = await call("PUT", "/api/users/%20user3%20/password", {
        as: "admin",
        body: '{"password": "new-pw"}',
      });
      assert.equal(put.status, 200);
      assert.deepEqual(passwordSet.at(-1), ["user3", "new-pw"]); // trimmed by usernameSchema
      assert.equal((await call("GET", "/api/history?limit=0", { as: "user1" })).status, 400);
      const page = await call("GET", "/api/history?limit=1", { as: "user1" });
      assert.deepEqual([page.status, page.body.calls.length], [200, 1]);
    });

    await t.step("the OpenAPI descriptions name the schemas the routes validate with", () => {
      const validated = new Map<string, Validated[]>();
      for (const r of app.routes) {
        const schemas = (r.handler as { schemas?: Validated }).schemas;
        if (!schemas) continue;
        const key = `${r.method.toLowerCase()} ${r.path}`;
        validated.set(key, [...validated.get(key) ?? [], schemas]);
      }
      assert.ok(validated.size >= 9, `found validators on ${validated.size} routes`);
      const documented = new Set<string>();
      for (const doc of allRouteDocs) {
        const key = `${doc.method} ${doc.path}`;
        documented.add(key);
        const on = validated.get(key) ?? [];
        const schemaOf = (target: "json" | "query") => {
          const v = on.find((v) => v.target === target);
          return v && "schema" in v ? v.schema : undefined;
        };
        assert.equal(schemaOf("json"), doc.body, `${key}: body`);
        assert.equal(schemaOf("query"), doc.query, `${key}: query`);
        const params = on.find((v) => v.target === "param");
        const checked = params && "params" in params ? params.params : {};
        for (const [name, schema] of Object.entries(doc.params ?? {})) {
          if (LOOKED_UP.has(`${key} ${name}`)) continue;
          assert.equal(checked[name], schema, `${key}: param ${name}`);
        }
        assert.deepEqual(
          Object.keys(checked).filter((n) => !doc.params?.[n]),
          [],
          `${key}: undocumented params`,
        );
      }
      assert.deepEqual([...validated.keys()].filter((k) => !documented.has(k)), []);
    });
  } finally {
    await close();
  }
});
