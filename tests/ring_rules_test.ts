/**
 * Rules behind the pages (issue #18), over real sockets on a real server: a caller's second ring
 * replaces the first (a double tap leaves no stray ring or pending record), Do not disturb, and the
 * microphone / camera state relayed to the other participant only.
 */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { api, login, startTestServer } from "./helpers/server.ts";
import { connect, next, send, sendRaw, silent } from "./helpers/sockets.ts";

Deno.test("a second ring by the same caller replaces the first and ends its calls left pending", async () => {
  const server = await startTestServer();
  const tech = await login(server.url, "user1", "P");
  const expert = await login(server.url, "user2", "P");
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  const create = async () =>
    (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body
      .callId as string;
  const detail = async (id: string) =>
    (await api(server.url, "GET", `/api/calls/${id}`, { token: tech.token })).body;
  try {
    // A double tap: two calls, two rings of the same Expert.
    const a = await create();
    const rungA = next(expertSocket, "call-request", 3000, (p) => p.callId === a);
    assert.equal((await send(techSocket, "call-request", { callId: a, to: "user2" })).ok, true);
    await rungA;
    const b = await create();
    assert.equal((await detail(a)).status, "pending");
    const cancelledA = next(expertSocket, "call-cancelled", 3000, (p) => p.callId === a);
    const rungB = next(expertSocket, "call-request", 3000, (p) => p.callId === b);
    const ringB = await send(techSocket, "call-request", { callId: b, to: "user2" });
    assert.equal(ringB.ok, true, JSON.stringify(ringB));
    await cancelledA; // the second ring ends the first: the Expert's dialog for it closes…
    await rungB; // …and the one the caller tracks rings
    const first = await detail(a);
    assert.equal(first.status, "ended");
    assert.equal(first.endReason, "cancelled");
    assert.equal((await detail(b)).status, "pending");
    // Accepting the replaced ring is refused: nobody ends up alone in a call room.
    const late = await send(expertSocket, "call-response", { callId: a, accepted: true });
    assert.equal(!late.ok && late.error.code, "CONFLICT");
    assert.equal((await send(expertSocket, "call-response", { callId: b, accepted: false })).ok, true);

    // A call whose ring was refused and given up ends when the caller rings again.
    const c = await create();
    assert.equal((await send(techSocket, "call-request", { callId: c, to: "user4" })).ok, false); // offline
    assert.equal((await detail(c)).status, "pending");
    const d = await create();
    assert.equal((await detail(c)).status, "pending", "creating a call changes no other call");
    assert.equal((await send(techSocket, "call-request", { callId: d, to: "user2" })).ok, true);
    assert.equal((await detail(c)).status, "ended");
    const history = (await api(server.url, "GET", "/api/history", { token: tech.token })).body.calls;
    assert.deepEqual(
      history.filter((h: { status: string }) => h.status === "pending").map((h: { callId: string }) =>
        h.callId
      ),
      [d],
    );
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});

Deno.test("Do not disturb: an Expert shows as busy, cannot be rung; only Experts may set it", async () => {
  const server = await startTestServer();
  const tech = await login(server.url, "user1", "P");
  const expert = await login(server.url, "user2", "P");
  const techSocket = await connect(server.url, tech.token, {
    auth: { token: tech.token, presence: "batch" },
  });
  const expertSocket = await connect(server.url, expert.token);
  const availability = async () =>
    (await api(server.url, "GET", "/api/experts", { token: tech.token })).body.experts
      .find((e: { username: string }) => e.username === "user2").availability;
  try {
    await send(techSocket, "register", {});
    assert.equal(await availability(), "available");
    const told = next(
      techSocket,
      "user-status-changes",
      3000,
      (p) =>
        p.changes.some((c: { userId: string; availability: string }) =>
          c.userId === "user2" && c.availability === "busy"
        ),
    );
    const on = await send(expertSocket, "set-availability", { doNotDisturb: true });
    assert.deepEqual(on, { ok: true, doNotDisturb: true, availability: "busy" });
    await told; // compat: technicians see "busy"
    assert.equal(await availability(), "busy");
    const callId =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const ring = await send(techSocket, "call-request", { callId, to: "user2" });
    assert.equal(!ring.ok && ring.error.code, "CONFLICT");
    assert.match(!ring.ok ? ring.error.message : "", /disturb/);
    await silent(expertSocket, "call-request", 200);

    const bad = await sendRaw(expertSocket, "set-availability", { doNotDisturb: "yes" });
    assert.equal(!bad.ok && bad.error.code, "BAD_REQUEST");
    const notExpert = await send(techSocket, "set-availability", { doNotDisturb: true });
    assert.equal(!notExpert.ok && notExpert.error.code, "FORBIDDEN");

    assert.equal((await send(expertSocket, "set-availability", { doNotDisturb: false })).ok, true);
    assert.equal(await availability(), "available");
    assert.equal((await send(techSocket, "call-request", { callId, to: "user2" })).ok, true);
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});

Deno.test("media-state goes to the other participant of an active call only", async () => {
  const server = await startTestServer();
  const tech = await login(server.url, "user1", "P");
  const expert = await login(server.url, "user2", "P");
  const outsider = await login(server.url, "user3", "p3");
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  const outsiderSocket = await connect(server.url, outsider.token);
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, "user2");
    const got = next(expertSocket, "media-state");
    assert.equal((await send(techSocket, "media-state", { callId, audio: true, video: false })).ok, true);
    assert.deepEqual(await got, { callId, from: "user1", audio: true, video: false });
    const forged = await send(outsiderSocket, "media-state", { callId, audio: false, video: false });
    assert.equal(!forged.ok && forged.error.code, "FORBIDDEN");
    const bad = await sendRaw(techSocket, "media-state", { callId, audio: "off", video: false });
    assert.equal(!bad.ok && bad.error.code, "BAD_REQUEST");
    await silent(expertSocket, "media-state", 200);
  } finally {
    for (const s of [techSocket, expertSocket, outsiderSocket]) s.close();
    await server.close();
  }
});

Deno.test("pages: an unknown address is an HTML page for a browser, JSON for the API; over-long call ids are 404", async () => {
  const server = await startTestServer();
  try {
    const page = await fetch(`${server.url}/no/such/page`, { headers: { accept: "text/html" } });
    assert.equal(page.status, 404);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /Page not found/);
    const json = await api(server.url, "GET", "/api/no-such-thing", { headers: { accept: "text/html" } });
    assert.equal(json.status, 404);
    assert.deepEqual(json.body, { message: "Not found", code: "NOT_FOUND" });
    const tech = await login(server.url, "user1", "P");
    const long = "x".repeat(3000);
    const call = await fetch(`${server.url}/call/${long}`, {
      headers: { accept: "text/html", cookie: `mobimaint_session=${tech.token}` },
    });
    assert.equal(call.status, 404);
    assert.match(await call.text(), /There is no such call/);
    assert.equal((await api(server.url, "GET", `/api/calls/${long}`, { token: tech.token })).status, 400);
  } finally {
    await server.close();
  }
});
