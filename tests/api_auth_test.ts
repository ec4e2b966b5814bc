/**
 * REST authentication: forged, expired and revoked tokens and the session cookie; the login rate
 * limits with Retry-After; TURN REST credentials when a secret is configured.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { decodeJwt, SignJWT } from "jose";
import { api, login, startTestServer } from "./helpers/server.ts";

Deno.test("tokens: forged, expired, alg none, wrong secret, revoked and cookie", async () => {
  const secret = "test-secret-for-forgery-checks-0123456789";
  const server = await startTestServer({ MOBIMAINT_SECRET: secret });
  const base = server.url;
  try {
    const tech = await login(base, "user1", "P");
    const key = new TextEncoder().encode(secret);
    const claims = { username: "user1", role: "Admin" };
    const expired = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(tech.userId)
      .setJti(crypto.randomUUID()).setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key);
    const wrongSecret = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(tech.userId)
      .setJti(crypto.randomUUID()).setExpirationTime("1h").sign(
        new TextEncoder().encode("another-secret-entirely-000000"),
      );
    const b64 = (o: unknown) =>
      btoa(JSON.stringify(o)).replaceAll("=", "").replaceAll("+", "-")
        .replaceAll("/", "_");
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const algNone = `${b64({ alg: "none", typ: "JWT" })}.${
      b64({ ...claims, sub: tech.userId, jti: "x", exp })
    }.`;
    const [h, , s] = tech.token.split(".");
    const tampered = `${h}.${b64({ ...claims, sub: tech.userId, jti: "x", exp })}.${s}`;
    for (
      const [name, token] of Object.entries({ expired, wrongSecret, algNone, tampered, garbage: "abc.def" })
    ) {
      const r = await api(base, "GET", "/api/experts", { token });
      assert.equal(r.status, 401, name);
      assert.equal(r.body.code, "UNAUTHORIZED", name);
    }
    const expiredMsg = await api(base, "GET", "/api/experts", { token: expired });
    assert.equal(expiredMsg.body.message, "Token expired");

    // A validly signed token still gets the stored role, not the claimed one. Its subject is the
    // store's internal key of the user (never on the wire, but inside the token).
    const elevated = await new SignJWT(claims).setProtectedHeader({
      alg: "HS256",
    }).setSubject(decodeJwt(tech.token).sub!)
      .setJti(crypto.randomUUID()).setExpirationTime("1h").sign(key);
    assert.equal((await api(base, "GET", "/api/calls", { token: elevated })).status, 403);

    // Cookie authentication, as pages use it.
    const cookie = await api(base, "GET", "/api/experts", {
      headers: { cookie: `mobimaint_session=${tech.token}` },
    });
    assert.equal(cookie.status, 200);

    // Logout revokes the token.
    assert.deepEqual((await api(base, "POST", "/logout", { token: tech.token })).body, { ok: true });
    const after = await api(base, "GET", "/api/experts", { token: tech.token });
    assert.equal(after.status, 401);
    assert.equal(after.body.message, "Token revoked");
    assert.equal((await api(base, "POST", "/logout", { token: tech.token })).status, 401);
  } finally {
    await server.close();
  }
});

Deno.test("login rate limit: per account (failures) and per client, with Retry-After", async () => {
  const server = await startTestServer({
    MOBIMAINT_LIMIT_LOGIN_PER_ACCOUNT: "3",
    MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "10",
  });
  const base = server.url;
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await api(base, "POST", "/login", { body: { username: "user2", password: "bad" } })).status,
        401,
      );
    }
    const limited = await api(base, "POST", "/login", { body: { username: "user2", password: "P" } });
    assert.equal(limited.status, 429, "even the right password is refused while the account is locked");
    assert.equal(limited.body.code, "RATE_LIMITED");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    // Other accounts still work until the client's budget runs out.
    assert.equal(
      (await api(base, "POST", "/login", { body: { username: "user3", password: "p3" } })).status,
      200,
    );
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) {
      status = (await api(base, "POST", "/login", { body: { username: "user4", password: "P" } })).status;
    }
    assert.equal(status, 429, "per-client limit reached");
  } finally {
    await server.close();
  }
});

Deno.test("TURN REST credentials when a secret is configured", async () => {
  const server = await startTestServer({
    MOBIMAINT_TURN_URLS: "turn:turn.example.test:3478,turns:turn.example.test:5349",
    MOBIMAINT_TURN_SECRET: "turn-secret",
    MOBIMAINT_TURN_TTL_SEC: "600",
  });
  try {
    const tech = await login(server.url, "user1", "P");
    const r = await api(server.url, "GET", "/api/ice-servers", { token: tech.token });
    assert.equal(r.body.ttl, 600);
    const turn = r.body.iceServers[1];
    assert.deepEqual(turn.urls, ["turn:turn.example.test:3478", "turns:turn.example.test:5349"]);
    const [expiry, userId] = turn.username.split(":");
    assert.equal(userId, tech.userId);
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 5);
    assert.equal(turn.credential, createHmac("sha1", "turn-secret").update(turn.username).digest("base64"));
  } finally {
    await server.close();
  }
});
