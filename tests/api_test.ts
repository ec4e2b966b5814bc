import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { decodeJwt, SignJWT } from "jose";
import { ADMIN_PASSWORD, api, login, loginAll, startTestServer } from "./helpers/server.ts";

Deno.test("REST API: login, roles, calls, users, health", async (t) => {
  const server = await startTestServer();
  const base = server.url;
  try {
    const { tech, expert, admin } = await loginAll(base);

    await t.step(
      "login success has the compat shape and sets an HttpOnly cookie",
      async () => {
        const r = await api(base, "POST", "/login", {
          body: { username: "user3", password: "p3" },
        });
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
      const r = await api(base, "POST", "/login", {
        body: { username: "user1", password: "wrong" },
      });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, {
        message: "Invalid username or password",
        code: "UNAUTHORIZED",
      });
      const unknown = await api(base, "POST", "/login", {
        body: { username: "nobody", password: "x" },
      });
      assert.equal(unknown.status, 401);
    });

    await t.step("malformed login bodies are 400", async () => {
      for (
        const body of [
          "{bad json",
          "[]",
          JSON.stringify({ username: 5, password: "x" }),
          "{}",
        ]
      ) {
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
        const noBody = await api(base, "POST", "/api/create-call", {
          token: tech.token,
        });
        assert.equal(noBody.status, 200);
        const refused = await api(base, "POST", "/api/create-call", {
          token: expert.token,
          body: {},
        });
        assert.equal(refused.status, 403);
        assert.deepEqual(refused.body, {
          message: "Only Technicians can create calls",
          code: "FORBIDDEN",
        });
        const other = await api(base, "POST", "/api/create-call", {
          token: tech.token,
          body: { userId: expert.userId },
        });
        assert.equal(
          other.status,
          403,
          "userId in the body must be the token's user",
        );
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
      assert.equal(
        (await api(base, "GET", "/api/calls", { token: tech.token })).status,
        403,
      );
      assert.equal((await api(base, "GET", "/api/calls")).status, 401);
    });

    await t.step(
      "call detail: participant and Admin 200, others 403, unknown 404",
      async () => {
        const { body } = await api(base, "POST", "/api/create-call", {
          token: tech.token,
          body: {},
        });
        const mine = await api(base, "GET", `/api/calls/${body.callId}`, {
          token: tech.token,
        });
        assert.equal(mine.status, 200);
        assert.equal(mine.body.callId, body.callId);
        assert.equal(mine.body.participants[0].userId, tech.userId);
        assert.deepEqual(mine.body.annotations, []);
        assert.deepEqual(mine.body.chat, []);
        assert.equal(mine.body.timeline[0].type, "created");
        assert.equal(
          (await api(base, "GET", `/api/calls/${body.callId}`, {
            token: admin.token,
          })).status,
          200,
        );
        const foreign = await api(base, "GET", `/api/calls/${body.callId}`, {
          token: expert.token,
        });
        assert.equal(foreign.status, 403);
        const missing = await api(base, "GET", "/api/calls/call_nope", {
          token: admin.token,
        });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.code, "NOT_FOUND");
      },
    );

    await t.step(
      "ending a call: 403 for outsiders, 200, then 409, and it shows in history",
      async () => {
        const { body } = await api(base, "POST", "/api/create-call", {
          token: tech.token,
          body: {},
        });
        const path = `/api/calls/${body.callId}/end`;
        assert.equal(
          (await api(base, "POST", path, { token: expert.token, body: {} }))
            .status,
          403,
        );
        assert.equal(
          (await api(base, "POST", "/api/calls/call_nope/end", {
            token: admin.token,
          })).status,
          404,
        );
        const bad = await api(base, "POST", path, {
          token: admin.token,
          body: { reason: 42 },
        });
        assert.equal(bad.status, 400);
        const ok = await api(base, "POST", path, {
          token: admin.token,
          body: { reason: "maintenance" },
        });
        assert.deepEqual(ok.body, { ok: true });
        const again = await api(base, "POST", path, { token: tech.token });
        assert.equal(again.status, 409);
        assert.equal(again.body.code, "CONFLICT");
        const detail = await api(base, "GET", `/api/calls/${body.callId}`, {
          token: tech.token,
        });
        assert.equal(detail.body.status, "ended");
        assert.equal(detail.body.endReason, "maintenance");

        const hist = await api(base, "GET", "/api/history?limit=2", {
          token: tech.token,
        });
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
        assert.equal(
          (await api(base, "GET", "/api/history?limit=abc", {
            token: tech.token,
          })).status,
          400,
        );
        assert.equal((await api(base, "GET", "/api/history")).status, 401);
        const expertHist = await api(base, "GET", "/api/history", {
          token: expert.token,
        });
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
      const r = await api(base, "GET", "/api/users/status", {
        token: admin.token,
      });
      assert.equal(r.status, 200);
      assert.equal(r.body.totalUsers, 7);
      assert.equal(r.body.onlineUsers, 0);
      assert.ok(
        r.body.users.every((u: Record<string, unknown>) => !("passwordHash" in u)),
      );
      assert.equal(
        (await api(base, "GET", "/api/users/status", { token: expert.token }))
          .status,
        403,
      );
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
        assert.equal(
          (await login(base, "tech9", "s3cret!")).role,
          "Technician",
        );

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
          (await api(base, "POST", "/login", {
            body: { username: "tech9", password: "s3cret!" },
          })).status,
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

        assert.equal(
          (await api(base, "DELETE", "/api/users/tech9", { token: tech.token }))
            .status,
          403,
        );
        assert.equal(
          (await api(base, "DELETE", "/api/users/tech9", {
            token: admin.token,
          })).status,
          200,
        );
        assert.equal(
          (await api(base, "DELETE", "/api/users/tech9", {
            token: admin.token,
          })).status,
          404,
        );
        assert.equal(
          (await api(base, "POST", "/login", {
            body: { username: "tech9", password: "n3w" },
          })).status,
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
      for (
        const k of ["timestamp", "uptime", "version", "connections", "store"]
      ) assert.ok(k in r.body, k);
      assert.equal(r.body.store.kind, "kv");
    });

    await t.step("ICE servers: STUN from config", async () => {
      const r = await api(base, "GET", "/api/ice-servers", {
        token: tech.token,
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.iceServers, [{
        urls: ["stun:stun.example.test:3478"],
      }]);
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
      assert.match(
        r.headers.get("content-security-policy") ?? "",
        /default-src 'self'/,
      );
    });
  } finally {
    await server.close();
  }
});

Deno.test("tokens: forged, expired, alg none, wrong secret, revoked and cookie", async () => {
  const secret = "test-secret-for-forgery-checks-0123456789";
  const server = await startTestServer({ MOBIMAINT_SECRET: secret });
  const base = server.url;
  try {
    const tech = await login(base, "user1", "P");
    const key = new TextEncoder().encode(secret);
    const claims = { username: "user1", role: "Admin" };
    const expired = await new SignJWT(claims).setProtectedHeader({
      alg: "HS256",
    }).setSubject(tech.userId)
      .setJti(crypto.randomUUID()).setIssuedAt(
        Math.floor(Date.now() / 1000) - 7200,
      )
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key);
    const wrongSecret = await new SignJWT(claims).setProtectedHeader({
      alg: "HS256",
    }).setSubject(tech.userId)
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
      const [name, token] of Object.entries({
        expired,
        wrongSecret,
        algNone,
        tampered,
        garbage: "abc.def",
      })
    ) {
      const r = await api(base, "GET", "/api/experts", { token });
      assert.equal(r.status, 401, name);
      assert.equal(r.body.code, "UNAUTHORIZED", name);
    }
    const expiredMsg = await api(base, "GET", "/api/experts", {
      token: expired,
    });
    assert.equal(expiredMsg.body.message, "Token expired");

    // A validly signed token still gets the stored role, not the claimed one. Its subject is the
    // store's internal key of the user (never on the wire, but inside the token).
    const elevated = await new SignJWT(claims).setProtectedHeader({
      alg: "HS256",
    }).setSubject(decodeJwt(tech.token).sub!)
      .setJti(crypto.randomUUID()).setExpirationTime("1h").sign(key);
    assert.equal(
      (await api(base, "GET", "/api/calls", { token: elevated })).status,
      403,
    );

    // Cookie authentication, as pages use it.
    const cookie = await api(base, "GET", "/api/experts", {
      headers: { cookie: `mobimaint_session=${tech.token}` },
    });
    assert.equal(cookie.status, 200);

    // Logout revokes the token.
    assert.deepEqual(
      (await api(base, "POST", "/logout", { token: tech.token })).body,
      { ok: true },
    );
    const after = await api(base, "GET", "/api/experts", { token: tech.token });
    assert.equal(after.status, 401);
    assert.equal(after.body.message, "Token revoked");
    assert.equal(
      (await api(base, "POST", "/logout", { token: tech.token })).status,
      401,
    );
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
        (await api(base, "POST", "/login", {
          body: { username: "user2", password: "bad" },
        })).status,
        401,
      );
    }
    const limited = await api(base, "POST", "/login", {
      body: { username: "user2", password: "P" },
    });
    assert.equal(
      limited.status,
      429,
      "even the right password is refused while the account is locked",
    );
    assert.equal(limited.body.code, "RATE_LIMITED");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    // Other accounts still work until the client's budget runs out.
    assert.equal(
      (await api(base, "POST", "/login", {
        body: { username: "user3", password: "p3" },
      })).status,
      200,
    );
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) {
      status = (await api(base, "POST", "/login", {
        body: { username: "user4", password: "P" },
      })).status;
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
    const r = await api(server.url, "GET", "/api/ice-servers", {
      token: tech.token,
    });
    assert.equal(r.body.ttl, 600);
    const turn = r.body.iceServers[1];
    assert.deepEqual(turn.urls, [
      "turn:turn.example.test:3478",
      "turns:turn.example.test:5349",
    ]);
    const [expiry, userId] = turn.username.split(":");
    assert.equal(userId, tech.userId);
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 5);
    assert.equal(
      turn.credential,
      createHmac("sha1", "turn-secret").update(turn.username).digest("base64"),
    );
  } finally {
    await server.close();
  }
});

Deno.test("oversized and hostile bodies get 4xx and the server stays healthy", async () => {
  const server = await startTestServer({ MOBIMAINT_LIMIT_BODY_BYTES: "4096" });
  const base = server.url;
  try {
    const { admin } = await loginAll(base);
    const huge = JSON.stringify({
      username: "a".repeat(10_000),
      password: "x",
    });
    const r = await api(base, "POST", "/login", { body: huge });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, "PAYLOAD_TOO_LARGE");
    const deep = "[".repeat(1500) + "]".repeat(1500);
    assert.equal(
      (await api(base, "POST", "/api/users", {
        token: admin.token,
        body: deep,
      })).status,
      400,
    );
    const proto = '{"__proto__":{"role":"Admin"},"username":"p1","password":"x","role":"Technician"}';
    const created = await api(base, "POST", "/api/users", {
      token: admin.token,
      body: proto,
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.role, "Technician");
    assert.equal(
      ({} as Record<string, unknown>).role,
      undefined,
      "no prototype pollution",
    );
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
  const server = await startTestServer({
    MOBIMAINT_ORIGINS: "https://ops.example.test",
  });
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
    assert.equal(
      allowed.headers.get("access-control-allow-origin"),
      "https://ops.example.test",
    );
    assert.equal(
      allowed.headers.get("access-control-allow-credentials"),
      "true",
    );
  } finally {
    await server.close();
  }
});

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
    callId = (await api(first.url, "POST", "/api/create-call", {
      token: tech.token,
      body: {},
    })).body.callId;
    const stored = await first.deps.store.getUserByName("keeper");
    assert.ok(stored);
    assert.ok(
      !JSON.stringify(stored).includes("plain-text-pw"),
      "no plaintext password in the record",
    );
    assert.match(stored.passwordHash, /^scrypt\$/);
  } finally {
    await first.close();
  }
  const second = await startTestServer({}, dir);
  try {
    const keeper = await login(second.url, "keeper", "plain-text-pw");
    assert.equal(keeper.role, "Expert");
    const admin = await login(second.url, "admin", ADMIN_PASSWORD);
    const detail = await api(second.url, "GET", `/api/calls/${callId}`, {
      token: admin.token,
    });
    assert.equal(detail.status, 200);
    assert.equal(detail.body.status, "pending");
    // Seeding happens only on an empty store: still 8 users (7 + keeper).
    assert.equal(
      (await api(second.url, "GET", "/api/users/status", {
        token: admin.token,
      })).body.totalUsers,
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
    assert.ok(
      server.generatedAdminPassword &&
        server.generatedAdminPassword.length >= 16,
    );
    const admin = await login(
      server.url,
      "admin",
      server.generatedAdminPassword,
    );
    const users = await api(server.url, "GET", "/api/users/status", {
      token: admin.token,
    });
    assert.deepEqual(
      users.body.users.map((u: { username: string }) => u.username),
      ["admin"],
    );
    assert.equal(
      (await api(server.url, "POST", "/login", {
        body: { username: "user1", password: "P" },
      })).status,
      401,
    );
  } finally {
    await server.close();
  }
});
