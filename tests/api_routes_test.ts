/**
 * The REST API route by route on one real server: login, roles, calls (create, list, detail, end,
 * history), the experts directory, user administration, health, ICE servers, 404s and secure headers.
 */
import assert from "node:assert/strict";
import { api, login, loginAll, startTestServer } from "./helpers/server.ts";

Deno.test("REST API: login, roles, calls, users, health", async (t) => {
  const server = await startTestServer();
  const base = server.url;
  try {
    const { tech, expert, admin } = await loginAll(base);

    await t.step(
      "login success has the compat shape and sets an HttpOnly cookie",
      async () => {
        const r = await api(base, "POST", "/login", { body: { username: "user3", password: "p3" } });
        assert.equal(r.status, 200);
        assert.equal(r.body.message, "Login successful");
        assert.equal(r.body.role, "Expert");
        assert.equal(typeof r.body.userId, "string");
        assert.equal(typeof r.body.token, "string");
        const cookie = r.headers.get("set-cookie") ?? "";
        assert.match(cookie, /mobimaint_session=/);
        assert.match(cookie, /HttpOnly/i);
        assert.match(cookie, /SameSite=Lax/i);
      },
    );

    await t.step("login failure is 401 with the compat message", async () => {
      const r = await api(base, "POST", "/login", { body: { username: "user1", password: "wrong" } });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { message: "Invalid username or password", code: "UNAUTHORIZED" });
      const unknown = await api(base, "POST", "/login", { body: { username: "nobody", password: "x" } });
      assert.equal(unknown.status, 401);
    });

    await t.step("malformed login bodies are 400", async () => {
      for (const body of ["{bad json", "[]", JSON.stringify({ username: 5, password: "x" }), "{}"]) {
        const r = await api(base, "POST", "/login", { body });
        assert.equal(r.status, 400, body);
        assert.equal(r.body.code, "BAD_REQUEST");
        assert.equal(typeof r.body.message, "string");
      }
    });

    await t.step(
      "create-call: Technician 200, Expert 403 with the compat message",
      async () => {
        const ok = await api(base, "POST", "/api/create-call", {
          token: tech.token,
          body: { userId: tech.userId },
        });
        assert.equal(ok.status, 200);
        assert.match(ok.body.callId, /^call_/);
        const noBody = await api(base, "POST", "/api/create-call", { token: tech.token });
        assert.equal(noBody.status, 200);
        const refused = await api(base, "POST", "/api/create-call", { token: expert.token, body: {} });
        assert.equal(refused.status, 403);
        assert.deepEqual(refused.body, { message: "Only Technicians can create calls", code: "FORBIDDEN" });
        const other = await api(base, "POST", "/api/create-call", {
          token: tech.token,
          body: { userId: expert.userId },
        });
        assert.equal(other.status, 403, "userId in the body must be the token's user");
        const anon = await api(base, "POST", "/api/create-call", { body: {} });
        assert.equal(anon.status, 401);
      },
    );

    await t.step("calls list is Admin-only with the compat shape", async () => {
      const r = await api(base, "GET", "/api/calls", { token: admin.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.totalCalls, 2);
      assert.equal(r.body.totalUsers, 7);
      const c = r.body.calls[0];
      assert.deepEqual(Object.keys(c).sort(), [
        "annotations",
        "callId",
        "duration",
        "startTime",
        "status",
        "users",
      ]);
      assert.equal(c.status, "pending");
      assert.deepEqual(c.users, [tech.userId]);
      assert.equal((await api(base, "GET", "/api/calls", { token: tech.token })).status, 403);
      assert.equal((await api(base, "GET", "/api/calls")).status, 401);
    });

    await t.step(
      "call detail: participant and Admin 200, others 403, unknown 404",
      async () => {
        const { body } = await api(base, "POST", "/api/create-call", { token: tech.token, body: {} });
        const mine = await api(base, "GET", `/api/calls/${body.callId}`, { token: tech.token });
        assert.equal(mine.status, 200);
        assert.equal(mine.body.callId, body.callId);
        assert.equal(mine.body.participants[0].userId, tech.userId);
        assert.deepEqual(mine.body.annotations, []);
        assert.deepEqual(mine.body.chat, []);
        assert.equal(mine.body.timeline[0].type, "created");
        assert.equal(
          (await api(base, "GET", `/api/calls/${body.callId}`, { token: admin.token })).status,
          200,
        );
        const foreign = await api(base, "GET", `/api/calls/${body.callId}`, { token: expert.token });
        assert.equal(foreign.status, 403);
        const missing = await api(base, "GET", "/api/calls/call_nope", { token: admin.token });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.code, "NOT_FOUND");
      },
    );

    await t.step(
      "ending a call: 403 for outsiders, 200, then 409, and it shows in history",
      async () => {
        const { body } = await api(base, "POST", "/api/create-call", { token: tech.token, body: {} });
        const path = `/api/calls/${body.callId}/end`;
        assert.equal((await api(base, "POST", path, { token: expert.token, body: {} })).status, 403);
        assert.equal(
          (await api(base, "POST", "/api/calls/call_nope/end", { token: admin.token })).status,
          404,
        );
        const bad = await api(base, "POST", path, { token: admin.token, body: { reason: 42 } });
        assert.equal(bad.status, 400);
        const ok = await api(base, "POST", path, { token: admin.token, body: { reason: "maintenance" } });
        assert.deepEqual(ok.body, { ok: true });
        const again = await api(base, "POST", path, { token: tech.token });
        assert.equal(again.status, 409);
        assert.equal(again.body.code, "CONFLICT");
        const detail = await api(base, "GET", `/api/calls/${body.callId}`, { token: tech.token });
        assert.equal(detail.body.status, "ended");
        assert.equal(detail.body.endReason, "maintenance");

        const hist = await api(base, "GET", "/api/history?limit=2", { token: tech.token });
        assert.equal(hist.status, 200);
        assert.equal(hist.body.calls.length, 2);
        assert.equal(hist.body.calls[0].callId, body.callId, "newest first");
        const older = await api(
          base,
          "GET",
          `/api/history?before=${hist.body.calls[1].createdAt}`,
          { token: tech.token },
        );
        assert.equal(older.body.calls.length, 2, "the two older calls");
        assert.equal((await api(base, "GET", "/api/history?limit=abc", { token: tech.token })).status, 400);
        assert.equal((await api(base, "GET", "/api/history")).status, 401);
        const expertHist = await api(base, "GET", "/api/history", { token: expert.token });
        assert.deepEqual(expertHist.body.calls, []);
      },
    );

    await t.step(
      "experts directory reports presence, offline before any socket",
      async () => {
        const r = await api(base, "GET", "/api/experts", { token: tech.token });
        assert.equal(r.status, 200);
        assert.equal(r.body.totalExperts, 5);
        const e = r.body.experts.find((x: { username: string }) => x.username === "user2");
        assert.deepEqual(e, {
          id: expert.userId,
          username: "user2",
          role: "Expert",
          status: "offline",
          availability: "offline",
        });
        assert.equal((await api(base, "GET", "/api/experts")).status, 401);
      },
    );

    await t.step("users status is Admin-only", async () => {
      const r = await api(base, "GET", "/api/users/status", { token: admin.token });
      assert.equal(r.status, 200);
      assert.equal(r.body.totalUsers, 7);
      assert.equal(r.body.onlineUsers, 0);
      assert.ok(r.body.users.every((u: Record<string, unknown>) => !("passwordHash" in u)));
      assert.equal((await api(base, "GET", "/api/users/status", { token: expert.token })).status, 403);
    });

    await t.step(
      "user administration: create, login, password, delete; errors",
      async () => {
        const create = await api(base, "POST", "/api/users", {
          token: admin.token,
          body: { username: "tech9", password: "s3cret!", role: "Technician" },
        });
        assert.equal(create.status, 200);
        assert.equal(create.body.username, "tech9");
        assert.equal(create.body.passwordHash, undefined);
        assert.equal(create.body.password, undefined);
        assert.equal((await login(base, "tech9", "s3cret!")).role, "Technician");

        const dup = await api(base, "POST", "/api/users", {
          token: admin.token,
          body: { username: "tech9", password: "x", role: "Technician" },
        });
        assert.equal(dup.status, 409);
        const badRole = await api(base, "POST", "/api/users", {
          token: admin.token,
          body: { username: "x1", password: "x", role: "Boss" },
        });
        assert.equal(badRole.status, 400);
        const notAdmin = await api(base, "POST", "/api/users", {
          token: tech.token,
          body: { username: "x2", password: "x", role: "Admin" },
        });
        assert.equal(notAdmin.status, 403);

        const pw = await api(base, "PUT", "/api/users/tech9/password", {
          token: admin.token,
          body: { password: "n3w" },
        });
        assert.equal(pw.status, 200);
        assert.equal(
          (await api(base, "POST", "/login", { body: { username: "tech9", password: "s3cret!" } })).status,
          401,
        );
        const t9 = await login(base, "tech9", "n3w");
        assert.equal(
          (await api(base, "PUT", "/api/users/ghost/password", {
            token: admin.token,
            body: { password: "a" },
          })).status,
          404,
        );

        assert.equal((await api(base, "DELETE", "/api/users/tech9", { token: tech.token })).status, 403);
        assert.equal((await api(base, "DELETE", "/api/users/tech9", { token: admin.token })).status, 200);
        assert.equal((await api(base, "DELETE", "/api/users/tech9", { token: admin.token })).status, 404);
        assert.equal(
          (await api(base, "POST", "/login", { body: { username: "tech9", password: "n3w" } })).status,
          401,
        );
        assert.equal(
          (await api(base, "GET", "/api/experts", { token: t9.token })).status,
          401,
          "deleted user's token dies",
        );
      },
    );

    await t.step("health has the compat shape", async () => {
      const r = await api(base, "GET", "/health");
      assert.equal(r.status, 200);
      assert.equal(r.body.status, "healthy");
      for (const k of ["timestamp", "uptime", "version", "connections", "store"]) assert.ok(k in r.body, k);
      assert.equal(r.body.store.kind, "kv");
    });

    await t.step("ICE servers: STUN from config", async () => {
      const r = await api(base, "GET", "/api/ice-servers", { token: tech.token });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.iceServers, [{ urls: ["stun:stun.example.test:3478"] }]);
      assert.equal((await api(base, "GET", "/api/ice-servers")).status, 401);
    });

    await t.step("unknown routes are 404 {message, code}", async () => {
      const r = await api(base, "GET", "/api/nope", { token: tech.token });
      assert.equal(r.status, 404);
      assert.equal(r.body.code, "NOT_FOUND");
    });

    await t.step("secure headers are set", async () => {
      const r = await api(base, "GET", "/health");
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.equal(r.headers.get("x-frame-options"), "SAMEORIGIN");
      assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    });
  } finally {
    await server.close();
  }
});
