/**
 * Connection drops during a call: a reconnect within the grace period keeps the call, a longer drop
 * means user-left and a rejoin restores the state; connection state recovery replays a missed event.
 */
import assert from "node:assert/strict";
import {
  ConnectionLostError,
  request,
  SignalingError,
  type SignalingSocket,
} from "../lib/client/signaling.ts";
import { connectCall } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { waitForSockets } from "./helpers/server.ts";
import { collect, dropAndHold, next, reconnectingClient, send, sleep } from "./helpers/sockets.ts";
import { setup } from "./helpers/signaling_setup.ts";

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
    const resume = dropAndHold(tech);
    await sleep(50);
    assert.equal(tech.connected, false);
    // A stale offer is not replayed (the client restarts ICE after a drop); the annotation is.
    const offers = collect(tech, "offer");
    await send(expert, "offer", { callId, to: c.tech.userId, offer: { type: "offer", sdp: "v=0" } });
    assert.equal(
      (await send(expert, "annotation", { callId, id: "missed", text: "while away", x: 0.2, y: 0.2 })).ok,
      true,
    );
    await resume(5000);
    assert.equal(tech.recovered, true, "the session was recovered");
    for (let i = 0; i < 50 && received.length === 0; i++) await sleep(20);
    assert.deepEqual(received.map((a) => a.id), ["missed"]);
    assert.equal(offers.length, 0);
  } finally {
    tech.close();
    await c.close();
  }
});

Deno.test("a request whose connection drops before the answer rejects as a lost connection, not as a refusal", async () => {
  const c = await setup();
  try {
    const tech = await c.open(c.tech.token);
    const callId = await c.newCall();
    // The server's refusal keeps its words and code (the call room ends the call on it).
    await assert.rejects(
      request(tech as SignalingSocket, "join-call", { callId: "no-such-call" }),
      (e) => e instanceof SignalingError,
    );
    // No answer because the connection dropped (the call room joins again on the next connection).
    const pending = request(tech as SignalingSocket, "join-call", { callId });
    tech.io.engine.close();
    await assert.rejects(pending, (e) => e instanceof ConnectionLostError && /connection/.test(e.message));
  } finally {
    await c.close();
  }
});
