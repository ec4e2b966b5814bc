/**
 * Attacks not covered by the api_*_test.ts files and signaling_rules_test.ts: hostile
 * tokens on the socket handshake, sockets that outlive a REST logout, event
 * flooding, and oversize messages (refused without memory growth).
 */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { SignJWT } from "jose";
import { ADMIN_PASSWORD, api, login, loginAll, startTestServer } from "./helpers/server.ts";
import { startServerProcess } from "./helpers/process.ts";
import { type Client, connect, next, send, sleep } from "./helpers/sockets.ts";

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

Deno.test("socket handshake: forged, expired, alg none, wrong-secret and deleted-user tokens are refused", async () => {
  const secret = "handshake-secret-for-forgery-checks-0123";
  const server = await startTestServer({ MOBIMAINT_SECRET: secret });
  try {
    const { tech, admin } = await loginAll(server.url);
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(Date.now() / 1000);
    const claims = { username: "user1", role: "Technician" };
    const sign = (k: Uint8Array, exp: number, sub = tech.userId) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(sub)
        .setJti(crypto.randomUUID()).setIssuedAt(exp - 3600).setExpirationTime(exp).sign(k);
    const [h, , s] = tech.token.split(".");
    const victim = await api(server.url, "POST", "/api/users", {
      token: admin.token,
      body: { username: "gone", password: "pw-gone", role: "Technician" },
    });
    const gone = await login(server.url, "gone", "pw-gone");
    await api(server.url, "DELETE", "/api/users/gone", { token: admin.token });
    const tokens: Record<string, string | undefined> = {
      expired: await sign(key, now - 60),
      wrongSecret: await sign(new TextEncoder().encode("some-other-secret-0123456789"), now + 3600),
      algNone: `${b64url({ alg: "none", typ: "JWT" })}.${
        b64url({ ...claims, sub: tech.userId, jti: "x", exp: now + 3600 })
      }.`,
      algHS512: await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).setSubject(tech.userId)
        .setJti(crypto.randomUUID()).setExpirationTime(now + 3600).sign(key),
      // A real signature over a different payload: the claims were swapped to another user.
      forged: `${h}.${
        b64url({ ...claims, sub: admin.userId, role: "Admin", jti: "x", exp: now + 3600 })
      }.${s}`,
      unknownUser: await sign(key, now + 3600, "u_does_not_exist"),
      deletedUser: gone.token,
      empty: "",
      notAString: undefined,
    };
    assert.equal(victim.status, 200);
    for (const [name, token] of Object.entries(tokens)) {
      const auth = name === "notAString" ? { auth: { token: { $ne: null } } } : {};
      await assert.rejects(
        connect(server.url, token, auth),
        (e: Error & { data?: { code?: string } }) =>
          e.message === "UNAUTHORIZED" && e.data?.code === "UNAUTHORIZED",
        name,
      );
    }
    // The same valid token still connects: the refusals were about the tokens, not the client.
    const ok = await connect(server.url, tech.token);
    assert.equal(ok.connected, true);
    ok.close();
  } finally {
    await server.close();
  }
});

Deno.test("REST logout ends the sockets opened with that token; the user's other sessions stay", async () => {
  const server = await startTestServer();
  const sockets: Client[] = [];
  try {
    const phone = await login(server.url, "user1", "P");
    const laptop = await login(server.url, "user1", "P");
    const onPhone = await connect(server.url, phone.token);
    const onLaptop = await connect(server.url, laptop.token);
    sockets.push(onPhone, onLaptop);
    const dropped = next(onPhone, "disconnect", 3000);
    assert.equal((await api(server.url, "POST", "/logout", { token: phone.token })).status, 200);
    await dropped;
    await assert.rejects(connect(server.url, phone.token), (e: Error) => e.message === "UNAUTHORIZED");
    assert.equal((await send(onLaptop, "register", {})).ok, true, "the other session is untouched");
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

Deno.test("event flooding from one socket is rate-limited while other users' relays go through", async () => {
  const server = await startTestServer({ MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "50" });
  const sockets: Client[] = [];
  try {
    const { tech, expert } = await loginAll(server.url);
    const flooder = await connect(server.url, (await login(server.url, "user3", "p3")).token);
    const techSocket = await connect(server.url, tech.token);
    const expertSocket = await connect(server.url, expert.token);
    sockets.push(flooder, techSocket, expertSocket);
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);

    // 2,000 events from one socket, as fast as it can, across several event names (ping included).
    const floodStart = performance.now();
    const events = ["ping", "register", "annotation", "chat", "offer"] as const;
    const flood = Array.from({ length: 2000 }, (_, i) => {
      const event = events[i % events.length];
      const payload = event === "ping"
        ? undefined
        : { callId, id: `f${i}`, text: "x", x: 0, y: 0, to: tech.userId, offer: { type: "offer" } };
      // Settled here, so a failure below cannot leave 2,000 acks to reject after the sockets close.
      return send(flooder, event, payload, 20_000).catch((e) => ({
        ok: false as const,
        error: { code: String(e) },
      }));
    });
    // Meanwhile the call's own traffic keeps flowing, with acks on time.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const got = next(expertSocket, "ice-candidate", 10_000);
      const t0 = performance.now();
      const ack = await send(techSocket, "ice-candidate", {
        callId,
        to: expert.userId,
        candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 9 typ host` },
      }, 10_000);
      assert.equal(ack.ok, true);
      await got;
      latencies.push(performance.now() - t0);
    }
    const results = await Promise.all(flood);
    const floodSec = (performance.now() - floodStart) / 1000;
    const limited = results.filter((r) => !r.ok && r.error.code === "RATE_LIMITED").length;
    const pingsLimited = results.filter((r, i) => i % events.length === 0 && !r.ok).length;
    const worst = Math.max(...latencies);
    console.log(
      `flood: ${limited}/2000 RATE_LIMITED (${pingsLimited} pings); other user's relay worst ${
        worst.toFixed(1)
      } ms`,
    );
    // 50 events a second get through (a busy machine stretches the flood over more seconds).
    const served = 2000 - limited;
    assert.ok(served <= 50 * (Math.ceil(floodSec) + 1), `${served} served in ${floodSec.toFixed(1)} s`);
    assert.ok(limited >= 1000, `only ${limited} of 2000 were limited`);
    assert.ok(pingsLimited > 0, "ping is throttled like every other event");
    for (const r of results) {
      if (!r.ok) assert.ok(["RATE_LIMITED", "FORBIDDEN", "NOT_FOUND"].includes(r.error.code));
    }
    // How fast the bystander's relays were is printed above, not asserted: speed is the bench's to measure
    // (a wall-clock bound here failed whenever the machine was busy). Each of them was delivered and acked.
    // The budget refills: a second later the flooder is served again.
    await sleep(1100);
    assert.equal((await send(flooder, "register", {})).ok, true);
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

/** POSTs `bytes` of body over a raw connection and returns the status line's code (fetch would upload all of it first). */
async function rawPost(port: number, path: string, token: string, bytes: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head));
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    // The server may answer and close before the upload is done: that is the point.
    (async () => {
      for (let sent = 0; sent < bytes; sent += chunk.length) await conn.write(chunk);
    })().catch(() => {});
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    return Number(new TextDecoder().decode(buf.subarray(0, n ?? 0)).split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("oversize socket messages and bodies are refused without memory growth", async () => {
  const proc = await startServerProcess({
    MOBIMAINT_LIMIT_SOCKET_BYTES: "65536",
    MOBIMAINT_LIMIT_BODY_BYTES: "65536",
  });
  try {
    const tech = await login(proc.url, "user1", "P");
    const size = 4 * 1024 * 1024;
    const big = "x".repeat(size);
    const attack = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const socket = await connect(proc.url, tech.token);
        const dropped = next(socket, "disconnect", 5000);
        socket.emit("chat", { callId: "c", id: "m", text: big });
        assert.equal(await dropped, "transport close");
        socket.close();
        assert.equal(await rawPost(proc.port, "/api/create-call", tech.token, size), 413);
      }
    };
    await attack(100); // warm-up: code paths, buffers, JIT and the allocator's working set
    const before = await proc.rss();
    await attack(150); // 150 × 4 MiB on each path: 1.2 GiB offered in total
    await sleep(500);
    const after = await proc.rss();
    const growth = (after - before) / before;
    console.log(
      `oversize: RSS after warm-up ${(before / 2 ** 20).toFixed(1)} MiB, after 1.2 GiB refused ${
        (after / 2 ** 20).toFixed(1)
      } MiB (${(growth * 100).toFixed(1)}%)`,
    );
    assert.ok(growth < 0.1, `RSS grew by ${(growth * 100).toFixed(1)}%`);
    const admin = await login(proc.url, "admin", ADMIN_PASSWORD);
    assert.equal((await api(proc.url, "GET", "/api/calls", { token: admin.token })).body.totalCalls, 0);
    assert.equal((await api(proc.url, "GET", "/health")).body.status, "healthy");
  } finally {
    await proc.stop();
  }
});

Deno.test("concurrent annotation writers cannot pass the per-call limit together", async () => {
  const server = await startTestServer({
    MOBIMAINT_LIMIT_ANNOTATIONS: "3",
    MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "10000",
  });
  const sockets: Client[] = [];
  try {
    const { tech, expert } = await loginAll(server.url);
    const t = await connect(server.url, tech.token);
    const e = await connect(server.url, expert.token);
    sockets.push(t, e);
    const callId = await startActiveCall(server.url, tech.token, t, e, expert.userId);
    const acks = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) => send(i % 2 ? t : e, "annotation", { callId, id: `r${i}`, x: 0, y: 0 }),
      ),
    );
    const accepted = acks.filter((a) => a.ok).length;
    const refused = acks.filter((a) => !a.ok && a.error.code === "LIMIT_EXCEEDED").length;
    assert.equal(accepted, 3);
    assert.equal(refused, 27);
    assert.equal((await server.deps.store.listAnnotations(callId)).length, 3);
    assert.equal(await server.deps.store.countAnnotations(callId), 3);
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});
