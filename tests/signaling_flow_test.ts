import assert from "node:assert/strict";
import { connectCall } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { api, loginAll, startTestServer, waitForSockets } from "./helpers/server.ts";
import {
  type Client,
  collect,
  connect,
  next,
  reconnectingClient,
  send,
  silent,
  sleep,
} from "./helpers/sockets.ts";

async function setup(env: Record<string, string> = {}, clock?: FakeClock) {
  const server = await startTestServer(env, undefined, { clock });
  const users = await loginAll(server.url);
  const sockets: Client[] = [];
  const open = async (token: string, opts?: Record<string, unknown>) => {
    const s = await connect(server.url, token, opts);
    sockets.push(s);
    return s;
  };
  const newCall = async () =>
    (await api(server.url, "POST", "/api/create-call", { token: users.tech.token, body: {} })).body
      .callId as string;
  const status = async (callId: string) =>
    (await api(server.url, "GET", `/api/calls/${callId}`, { token: users.admin.token })).body;
  return {
    server,
    ...users,
    open,
    newCall,
    status,
    close: async () => {
      for (const s of sockets) s.close();
      await server.close();
    },
  };
}

Deno.test("an Expert with two tabs: both ring, one answers, the other is told; online while any is open", async () => {
  const clock = new FakeClock();
  const c = await setup({}, clock);
  try {
    const tech = await c.open(c.tech.token);
    const tabA = await c.open(c.expert.token);
    const tabB = await c.open(c.expert.token);
    const callId = await c.newCall();
    const ringA = next(tabA, "call-request");
    const ringB = next(tabB, "call-request");
    await send(tech, "call-request", { callId, to: c.expert.userId });
    await Promise.all([ringA, ringB]);
    const handled = next(tabB, "call-request-handled");
    assert.equal((await send(tabA, "call-response", { callId, accepted: true })).ok, true);
    assert.deepEqual(await handled, { callId, accepted: true });
    const late = await send(tabB, "call-response", { callId, accepted: true });
    assert.equal(late.ok, false);
    assert.equal(!late.ok && late.error.code, "CONFLICT");

    // Media signaling goes to the tab in the call, not the other one.
    await send(tech, "join-call", { callId });
    const toA = next(tabA, "offer");
    await send(tech, "offer", { callId, to: c.expert.userId, offer: { type: "offer", sdp: "v=0" } });
    await toA;
    await silent(tabB, "offer", 200);

    // Closing one tab keeps the expert online (no status change to offline).
    const changes = collect(tech, "user-status-change");
    const closed = waitForSockets(c.server, 2);
    tabB.close();
    await closed;
    await clock.advance(10_000); // well past the grace period and the presence window
    await c.server.signaling.presenceSettled();
    await send(tech, "ping"); // whatever presence was sent to the technician has arrived
    assert.ok(!changes.some((ch) => ch.userId === c.expert.userId && ch.status === "offline"));
    const dir = await api(c.server.url, "GET", "/api/experts", { token: c.tech.token });
    assert.equal(dir.body.experts.find((e: { id: string }) => e.id === c.expert.userId).status, "online");
  } finally {
    await c.close();
  }
});

Deno.test("ring timeout: caller told with reason timeout, callee's dialog cancelled, call ended", async () => {
  const clock = new FakeClock();
  const c = await setup({ MOBIMAINT_RING_TIMEOUT_MS: "30000" }, clock);
  try {
    const tech = await c.open(c.tech.token);
    const expert = await c.open(c.expert.token);
    const callId = await c.newCall();
    const response = next(tech, "call-response", 2000);
    const cancelled = next(expert, "call-cancelled", 2000);
    const rung = await send(tech, "call-request", { callId, to: c.expert.userId });
    assert.equal(rung.ok && rung.ringingUntil, clock.now() + 30_000);
    await clock.advance(29_999);
    assert.equal((await c.status(callId)).status, "pending", "still ringing 1 ms before the timeout");
    await clock.advance(1);
    assert.deepEqual(await response, { callId, from: c.expert.userId, accepted: false, reason: "timeout" });
    assert.deepEqual(await cancelled, { callId, reason: "timeout" });
    const call = await c.status(callId);
    assert.equal(call.status, "ended");
    assert.equal(call.endReason, "timeout");
    const dir = await api(c.server.url, "GET", "/api/experts", { token: c.tech.token });
    assert.equal(
      dir.body.experts.find((e: { id: string }) => e.id === c.expert.userId).availability,
      "available",
    );
  } finally {
    await c.close();
  }
});

Deno.test("cancel while ringing, and reject", async () => {
  const c = await setup();
  try {
    const tech = await c.open(c.tech.token);
    const expert = await c.open(c.expert.token);
    const first = await c.newCall();
    await send(tech, "call-request", { callId: first, to: c.expert.userId });
    const cancelled = next(expert, "call-cancelled");
    assert.equal((await send(tech, "call-cancel", { callId: first })).ok, true);
    assert.deepEqual(await cancelled, { callId: first, from: c.tech.userId, reason: "cancelled" });
    assert.equal((await c.status(first)).endReason, "cancelled");
    const again = await send(tech, "call-cancel", { callId: first });
    assert.equal(!again.ok && again.error.code, "CONFLICT");

    const second = await c.newCall();
    await send(tech, "call-request", { callId: second, to: c.expert.userId });
    const response = next(tech, "call-response");
    assert.equal((await send(expert, "call-response", { callId: second, accepted: false })).ok, true);
    assert.deepEqual(await response, {
      callId: second,
      from: c.expert.userId,
      accepted: false,
      reason: "rejected",
    });
    const call = await c.status(second);
    assert.equal(call.status, "ended");
    assert.equal(call.endReason, "rejected");
  } finally {
    await c.close();
  }
});

Deno.test("drops: a reconnect within the grace keeps the call; a longer drop → user-left, then rejoin restores state", async () => {
  const clock = new FakeClock();
  const c = await setup({ MOBIMAINT_GRACE_MS: "2000" }, clock);
  try {
    let tech = await c.open(c.tech.token);
    const expert = await c.open(c.expert.token);
    const callId = await c.newCall();
    await connectCall(callId, tech, expert, c.expert.userId);
    await send(expert, "annotation", { callId, id: "a1", text: "valve", x: 0.5, y: 0.5 });

    // Short drop: closed and back within the grace period.
    const left = collect(expert, "user-left");
    const gone = new Promise((resolve) => c.server.deps.grace.events.add({ gone: resolve }));
    const closedOnServer = waitForSockets(c.server, 1);
    tech.close();
    await closedOnServer;
    await clock.advance(1999);
    tech = await c.open(c.tech.token);
    await clock.advance(10_000);
    assert.deepEqual(left, [], "no user-left within the grace period");
    assert.equal(
      (await c.status(callId)).participants.find((p: { userId: string }) => p.userId === c.tech.userId)
        .present,
      true,
    );

    // Long drop: user-left after the grace period.
    const userLeft = next(expert, "user-left", 3000);
    const closedAgain = waitForSockets(c.server, 1);
    tech.close();
    await closedAgain;
    await clock.advance(2000);
    assert.equal(await gone, c.tech.userId);
    assert.deepEqual(await userLeft, { userId: c.tech.userId, callId });
    assert.equal((await c.status(callId)).status, "active", "the expert is still there");

    // Coming back later: join-call restores participants and annotations.
    tech = await c.open(c.tech.token);
    const users = next(tech, "existing-users");
    const anns = next(tech, "existing-annotations");
    const joined = next(expert, "user-joined");
    assert.equal((await send(tech, "join-call", { callId })).ok, true);
    assert.deepEqual((await users).users.map((u: { userId: string }) => u.userId), [c.expert.userId]);
    assert.deepEqual((await anns).annotations.map((a: { id: string }) => a.id), ["a1"]);
    assert.equal((await joined).userId, c.tech.userId);
  } finally {
    await c.close();
  }
});

Deno.test("connection state recovery replays an event missed during a short drop", async () => {
  const c = await setup({ MOBIMAINT_GRACE_MS: "3000" });
  const tech = reconnectingClient(c.server.url, c.tech.token, 300);
  try {
    await next(tech, "connect");
    const expert = await c.open(c.expert.token);
    const callId = await c.newCall();
    await connectCall(callId, tech, expert, c.expert.userId);

    const received = collect(tech, "annotation");
    // Drop the transport from the client side (as a network cut would), then emit while it is away.
    // deno-lint-ignore no-explicit-any
    (tech.io as any).engine.close();
    await sleep(50);
    assert.equal(tech.connected, false);
    // A stale offer is not replayed (the client restarts ICE after a drop); the annotation is.
    const offers = collect(tech, "offer");
    await send(expert, "offer", { callId, to: c.tech.userId, offer: { type: "offer", sdp: "v=0" } });
    assert.equal(
      (await send(expert, "annotation", { callId, id: "missed", text: "while away", x: 0.2, y: 0.2 })).ok,
      true,
    );
    await next(tech, "connect", 5000);
    assert.equal(tech.recovered, true, "the session was recovered");
    for (let i = 0; i < 50 && received.length === 0; i++) await sleep(20);
    assert.deepEqual(received.map((a) => a.id), ["missed"]);
    assert.equal(offers.length, 0);
  } finally {
    tech.close();
    await c.close();
  }
});

Deno.test("compat: the old mobile client flow with compat events and fields only (plus the token)", async () => {
  const c = await setup();
  try {
    // Old clients: no acks, compat payloads with from/userId, listen for compat events. They send the
    // usernames as typed (literal values, never ids read back from MobiMaint) and read usernames back.
    const tech = await c.open(c.tech.token);
    const expert = await c.open(c.expert.token);
    tech.emit("register", { userId: "user1" });
    expert.emit("register", { userId: "user2" });
    const pong = next(tech, "pong");
    tech.emit("ping");
    await pong;

    const created = await api(c.server.url, "POST", "/api/create-call", {
      token: c.tech.token,
      body: { userId: "user1" },
    });
    const { callId } = created.body;
    const ring = next(expert, "call-request");
    tech.emit("call-request", { callId, from: "user1", to: "user2" });
    const req = await ring;
    assert.equal(req.callId, callId);
    assert.equal(req.from, "user1");

    const response = next(tech, "call-response");
    expert.emit("call-response", { callId, from: "user2", to: "user1", accepted: true });
    const r = await response;
    assert.equal(r.accepted, true);
    assert.equal(r.from, "user2");

    const joined = next(expert, "user-joined");
    const existing = next(tech, "existing-users");
    const existingAnns = next(tech, "existing-annotations");
    tech.emit("join-call", { callId, userId: "user1", role: "Technician" });
    const j = await joined;
    assert.deepEqual(
      { userId: j.userId, role: j.role, socketId: j.socketId, totalUsers: j.totalUsers },
      { userId: "user1", role: "Technician", socketId: tech.id, totalUsers: 2 },
    );
    assert.ok(Array.isArray((await existing).users));
    assert.ok(Array.isArray((await existingAnns).annotations));

    const offer = next(expert, "offer");
    tech.emit("offer", { callId, offer: { type: "offer", sdp: "v=0" }, to: "user2" });
    assert.equal((await offer).from, "user1");
    const answer = next(tech, "answer");
    expert.emit("answer", { callId, answer: { type: "answer", sdp: "v=0" }, to: "user1" });
    assert.equal((await answer).from, "user2");
    const ice = next(expert, "ice-candidate");
    tech.emit("ice-candidate", {
      callId,
      candidate: { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0 },
      to: "user2",
    });
    assert.equal((await ice).from, "user1");

    const pin = next(tech, "annotation");
    expert.emit("annotation", {
      callId,
      id: "p1",
      text: "Here",
      x: 120,
      y: 80,
      from: "user2",
      objectId: "obj-1",
    });
    const p = await pin;
    assert.deepEqual(
      { id: p.id, text: p.text, x: p.x, y: p.y, from: p.from, objectId: p.objectId },
      { id: "p1", text: "Here", x: 120, y: 80, from: "user2", objectId: "obj-1" },
    );

    // An old client's mistake still gets the compat `error` event with a message.
    const err = next(tech, "error");
    tech.emit("join-call", { callId: "call_unknown", userId: "user1", role: "Technician" });
    assert.equal(typeof (await err).message, "string");

    const ended = next(expert, "call-ended");
    const ok = next(tech, "call-ended-successfully");
    tech.emit("end-call", { callId, to: "user2" });
    assert.deepEqual(await ended, { from: "user1", callId });
    const s = await ok;
    assert.equal(s.userId, "user1");
    assert.equal(s.callId, callId);
    assert.equal(typeof s.message, "string");

    const reconnected = next(tech, "reconnect-success");
    tech.emit("reconnect-after-call", { userId: "user1" });
    assert.equal((await reconnected).userId, "user1");

    const offline = next(
      tech,
      "user-status-change",
      3000,
      (p) => p.userId === "user2" && p.status === "offline",
    );
    expert.emit("logout", { userId: "user2" });
    await offline;
  } finally {
    await c.close();
  }
});

Deno.test("a ring ends when either side is gone past the grace period", async () => {
  const clock = new FakeClock();
  const c = await setup({ MOBIMAINT_GRACE_MS: "2000" }, clock);
  try {
    const tech = await c.open(c.tech.token);
    let expert = await c.open(c.expert.token);
    // The rung Expert drops: the caller is told the Expert is unavailable, once the grace ran out.
    const first = await c.newCall();
    await send(tech, "call-request", { callId: first, to: c.expert.userId });
    const response = next(tech, "call-response", 3000);
    const dropped = waitForSockets(c.server, 1);
    expert.close();
    await dropped;
    await clock.advance(1999);
    assert.equal((await c.status(first)).status, "pending", "still ringing within the grace period");
    await clock.advance(1);
    assert.deepEqual(await response, {
      callId: first,
      from: c.expert.userId,
      accepted: false,
      reason: "unavailable",
    });
    assert.equal((await c.status(first)).endReason, "unavailable");

    // The caller drops: the Expert's dialog is cancelled.
    expert = await c.open(c.expert.token);
    const second = await c.newCall();
    await send(tech, "call-request", { callId: second, to: c.expert.userId });
    const cancelled = next(expert, "call-cancelled", 3000);
    const callerGone = waitForSockets(c.server, 1);
    tech.close();
    await callerGone;
    await clock.advance(2000);
    assert.deepEqual(await cancelled, { callId: second, from: c.tech.userId, reason: "cancelled" });
    assert.equal((await c.status(second)).endReason, "cancelled");
  } finally {
    await c.close();
  }
});
