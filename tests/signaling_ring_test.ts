/**
 * Ringing through the signaling server: an expert's two tabs both ring and one answers; the ring
 * timeout; cancel while ringing and reject; a ring ends when either side is gone past the grace period.
 */
import assert from "node:assert/strict";
import { FakeClock } from "./helpers/fake_clock.ts";
import { api, waitForSockets } from "./helpers/server.ts";
import { collect, next, send, silent } from "./helpers/sockets.ts";
import { setup } from "./helpers/signaling_setup.ts";

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
