/**
 * REST rules through `app.request`: the Hono app built by buildDeps on an in-memory Deno KV store, no
 * port and no sockets. What needs a real port (sockets, cookies over HTTP, TLS) stays in the api_*_test.ts files.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../fresh.config.ts";
import { createApp } from "../server/app.ts";
import { buildDeps, stopDomain } from "../server/deps.ts";
import { createLogger } from "../server/log.ts";
import { FsBlobStore } from "../server/store/blobs_fs.ts";
import { KvStore } from "../server/store/kv.ts";

async function app() {
  const store = await KvStore.open(":memory:");
  const blobDir = await Deno.makeTempDir({ prefix: "mobimaint-rest-" });
  const blobs = await FsBlobStore.open(blobDir);
  const config = loadConfig({ MOBIMAINT_LOG_LEVEL: "silent" });
  const deps = buildDeps(config, { store, blobs }, createLogger("silent"), { secret: "r".repeat(40) });
  await deps.users.seed({ demo: true, adminPassword: "admin-pw" });
  const hono = createApp(deps);
  const tokenOf = async (name: string) => await deps.tokens.issue((await store.getUserByName(name))!);
  const call = async (method: string, path: string, opts: { as?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.as) headers.authorization = `Bearer ${await tokenOf(opts.as)}`;
    const res = await hono.request(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    call,
    close: async () => {
      stopDomain(deps);
      await store.close();
      await blobs.close();
      await Deno.remove(blobDir, { recursive: true });
    },
  };
}

Deno.test("REST rules without a port: roles, identity, ids, self-deletion, errors as {message, code}", async (t) => {
  const { call, close } = await app();
  try {
    await t.step(
      "login: usernames are ids (compat), a wrong password is 401 with the compat message",
      async () => {
        const ok = await call("POST", "/login", { body: { username: "user1", password: "P" } });
        assert.equal(ok.status, 200);
        assert.equal(ok.body.userId, "user1");
        const bad = await call("POST", "/login", { body: { username: "user1", password: "nope" } });
        assert.deepEqual([bad.status, bad.body.message, bad.body.code], [
          401,
          "Invalid username or password",
          "UNAUTHORIZED",
        ]);
      },
    );

    await t.step("create-call: Technicians only, and only for themselves", async () => {
      assert.equal(
        (await call("POST", "/api/create-call", { as: "user1", body: { userId: "user1" } })).status,
        200,
      );
      const expert = await call("POST", "/api/create-call", { as: "user2", body: {} });
      assert.deepEqual([expert.status, expert.body.message], [403, "Only Technicians can create calls"]);
      const other = await call("POST", "/api/create-call", { as: "user1", body: { userId: "user2" } });
      assert.equal(other.body.code, "FORBIDDEN");
      assert.equal((await call("POST", "/api/create-call", { body: {} })).status, 401);
    });

    await t.step("call ids: unknown 404, impossible 400, never a 500", async () => {
      assert.equal((await call("GET", "/api/calls/call_nope", { as: "admin" })).status, 404);
      const long = await call("GET", `/api/calls/${"x".repeat(3000)}`, { as: "admin" });
      assert.deepEqual([long.status, long.body.code], [400, "BAD_REQUEST"]);
      const end = await call("POST", `/api/calls/${"x".repeat(3000)}/end`, { as: "admin", body: {} });
      assert.equal(end.status, 400);
    });

    await t.step("users: Admin only; an Admin cannot delete itself", async () => {
      assert.equal((await call("GET", "/api/users/status", { as: "user1" })).status, 403);
      const self = await call("DELETE", "/api/users/admin", { as: "admin" });
      assert.deepEqual([self.status, self.body.message], [400, "You cannot delete yourself"]);
      assert.equal((await call("DELETE", "/api/users/nobody", { as: "admin" })).status, 404);
    });

    await t.step("the expert directory has one shape: id is the username", async () => {
      const { body } = await call("GET", "/api/experts", { as: "user1" });
      assert.equal(body.totalExperts, 5);
      assert.deepEqual(body.experts[0], {
        id: "user2",
        username: "user2",
        role: "Expert",
        status: "offline",
        availability: "offline",
      });
    });
  } finally {
    await close();
  }
});
