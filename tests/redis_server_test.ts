/**
 * MobiMaint in Redis mode: a real server with MOBIMAINT_REDIS_URL pointing at
 * a real redis-server. Data must survive restarting MobiMaint and restarting
 * Redis (append-only file), and /health must go 503 while Redis is down.
 */
import assert from "node:assert/strict";
import { api, login, loginAll, startTestServer, type TestServer } from "./helpers/server.ts";
import { startTestRedis } from "./helpers/redis.ts";

async function exists(path: string) {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("Redis mode: health, restart of MobiMaint and of Redis, outage", async (t) => {
  const redis = await startTestRedis();
  const env = { MOBIMAINT_REDIS_URL: redis.url };
  let server: TestServer | undefined;
  try {
    server = await startTestServer(env);
    const first = server;
    let callId = "";
    let techToken = "";
    let loggedOutToken = "";

    await t.step("boots on Redis: /health reports store kind redis", async () => {
      const h = await api(first.url, "GET", "/health");
      assert.equal(h.status, 200);
      assert.equal(h.body.status, "healthy");
      assert.deepEqual(h.body.store, { kind: "redis", status: "ok" });
      assert.equal(first.deps.store.kind, "redis");
      assert.equal(await exists(`${first.dataDir}/mobimaint.kv`), false, "no KV file in Redis mode");
    });

    await t.step("writes go through Redis: a call, a logout", async () => {
      const { tech } = await loginAll(first.url);
      techToken = tech.token;
      const created = await api(first.url, "POST", "/api/create-call", { token: tech.token, body: {} });
      assert.equal(created.status, 200);
      callId = created.body.callId;
      const other = await login(first.url, "user1", "P");
      loggedOutToken = other.token;
      assert.equal((await api(first.url, "POST", "/logout", { token: other.token })).status, 200);
      assert.equal((await api(first.url, "GET", "/api/history", { token: other.token })).status, 401);
    });

    await t.step("a restarted MobiMaint (new data dir) sees the same data", async () => {
      await first.close();
      server = await startTestServer(env);
      const second = server;
      assert.notEqual(second.dataDir, first.dataDir);
      // The token secret lives in Redis, so the old session is still valid.
      const hist = await api(second.url, "GET", "/api/history", { token: techToken });
      assert.equal(hist.status, 200);
      assert.deepEqual(hist.body.calls.map((c: { callId: string }) => c.callId), [callId]);
      const revoked = await api(second.url, "GET", "/api/history", { token: loggedOutToken });
      assert.equal(revoked.status, 401, "the logout survived the restart");
      const { admin } = await loginAll(second.url);
      const calls = await api(second.url, "GET", "/api/calls", { token: admin.token });
      assert.equal(calls.body.totalCalls, 1);
      const users = await second.deps.store.listUsers();
      assert.equal(new Set(users.map((u) => u.username)).size, users.length, "demo users not seeded twice");
    });

    await t.step("Redis down: /health is 503 unhealthy, requests fail fast", async () => {
      const s = server!;
      await redis.stop();
      const h = await api(s.url, "GET", "/health");
      assert.equal(h.status, 503);
      assert.equal(h.body.status, "unhealthy");
      assert.deepEqual(h.body.store, { kind: "redis", status: "unreachable" });
      const started = Date.now();
      const r = await api(s.url, "GET", "/api/history", { token: techToken });
      assert.ok(r.status >= 500, `expected a server error, got ${r.status}`);
      assert.ok(Date.now() - started < 5_000, `request took ${Date.now() - started} ms`);
    });

    await t.step("Redis back (append-only file replayed): healthy again, data intact", async () => {
      const s = server!;
      await redis.start();
      await waitFor("healthy /health", async () => (await api(s.url, "GET", "/health")).status === 200);
      const hist = await api(s.url, "GET", "/api/history", { token: techToken });
      assert.equal(hist.status, 200);
      assert.deepEqual(hist.body.calls.map((c: { callId: string }) => c.callId), [callId]);
    });
  } finally {
    await server?.close();
    await redis.close();
  }
});
