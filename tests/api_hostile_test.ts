/**
 * REST requests meant to hurt: oversized and hostile bodies get 4xx and the server stays healthy;
 * cross-origin requests from an origin that is not allowed are refused.
 */
import assert from "node:assert/strict";
import { api, loginAll, startTestServer } from "./helpers/server.ts";

Deno.test("oversized and hostile bodies get 4xx and the server stays healthy", async () => {
  const server = await startTestServer({ MOBIMAINT_LIMIT_BODY_BYTES: "4096" });
  const base = server.url;
  try {
    const { admin } = await loginAll(base);
    const huge = JSON.stringify({ username: "a".repeat(10_000), password: "x" });
    const r = await api(base, "POST", "/login", { body: huge });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, "PAYLOAD_TOO_LARGE");
    const deep = "[".repeat(1500) + "]".repeat(1500);
    assert.equal((await api(base, "POST", "/api/users", { token: admin.token, body: deep })).status, 400);
    const proto = '{"__proto__":{"role":"Admin"},"username":"p1","password":"x","role":"Technician"}';
    const created = await api(base, "POST", "/api/users", { token: admin.token, body: proto });
    assert.equal(created.status, 200);
    assert.equal(created.body.role, "Technician");
    assert.equal(({} as Record<string, unknown>).role, undefined, "no prototype pollution");
    const wrongType = await api(base, "POST", "/api/users", {
      token: admin.token,
      body: { username: ["a"], password: {}, role: null },
    });
    assert.equal(wrongType.status, 400);
    assert.equal((await api(base, "GET", "/health")).body.status, "healthy");
  } finally {
    await server.close();
  }
});

Deno.test("cross-origin requests from a non-allowed origin are refused", async () => {
  const server = await startTestServer({ MOBIMAINT_ORIGINS: "https://ops.example.test" });
  try {
    const evil = await api(server.url, "POST", "/login", {
      body: { username: "user1", password: "P" },
      headers: { origin: "https://evil.example.test" },
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.body.code, "FORBIDDEN");
    const allowed = await api(server.url, "POST", "/login", {
      body: { username: "user1", password: "P" },
      headers: { origin: "https://ops.example.test" },
    });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://ops.example.test");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
  } finally {
    await server.close();
  }
});
