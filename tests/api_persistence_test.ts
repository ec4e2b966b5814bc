/**
 * What the REST API keeps across restarts: users and calls survive, passwords are stored hashed; and
 * what production mode creates on a fresh store (only the admin, with a random password if none is set).
 */
import assert from "node:assert/strict";
import { ADMIN_PASSWORD, api, login, startTestServer } from "./helpers/server.ts";

Deno.test("persistence: users and calls survive a restart; passwords are hashed", async () => {
  const first = await startTestServer();
  const dir = first.dataDir;
  let callId: string;
  try {
    const admin = await login(first.url, "admin", ADMIN_PASSWORD);
    const created = await api(first.url, "POST", "/api/users", {
      token: admin.token,
      body: { username: "keeper", password: "plain-text-pw", role: "Expert" },
    });
    assert.equal(created.status, 200);
    const tech = await login(first.url, "user1", "P");
    callId = (await api(first.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const stored = await first.deps.store.getUserByName("keeper");
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes("plain-text-pw"), "no plaintext password in the record");
    assert.match(stored.passwordHash, /^scrypt\$/);
  } finally {
    await first.close();
  }
  const second = await startTestServer({}, dir);
  try {
    const keeper = await login(second.url, "keeper", "plain-text-pw");
    assert.equal(keeper.role, "Expert");
    const admin = await login(second.url, "admin", ADMIN_PASSWORD);
    const detail = await api(second.url, "GET", `/api/calls/${callId}`, { token: admin.token });
    assert.equal(detail.status, 200);
    assert.equal(detail.body.status, "pending");
    // Seeding happens only on an empty store: still 8 users (7 + keeper).
    assert.equal(
      (await api(second.url, "GET", "/api/users/status", { token: admin.token })).body.totalUsers,
      8,
    );
  } finally {
    await second.close();
  }
});

Deno.test("production mode creates only the admin, with a random password when none is set", async () => {
  const dir = await Deno.makeTempDir();
  const { loadConfig } = await import("../fresh.config.ts");
  const { startServer } = await import("../server/server.ts");
  const server = await startServer(loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    MOBIMAINT_DATA_DIR: dir,
    MOBIMAINT_LOG_LEVEL: "silent",
  }));
  try {
    assert.ok(server.generatedAdminPassword && server.generatedAdminPassword.length >= 16);
    const admin = await login(server.url, "admin", server.generatedAdminPassword);
    const users = await api(server.url, "GET", "/api/users/status", { token: admin.token });
    assert.deepEqual(users.body.users.map((u: { username: string }) => u.username), ["admin"]);
    assert.equal(
      (await api(server.url, "POST", "/login", { body: { username: "user1", password: "P" } })).status,
      401,
    );
  } finally {
    await server.close();
  }
});
