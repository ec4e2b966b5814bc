/**
 * The domain's timing rules on test time: ring timeout, grace period and what a departure does, with
 * the dependencies buildDeps makes (a real Deno KV store in memory) and no socket or HTTP layer.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../fresh.config.ts";
import type { Identity } from "../server/auth/tokens.ts";
import type { Deps } from "../server/context.ts";
import { buildDeps, stopDomain } from "../server/deps.ts";
import { createLogger } from "../server/log.ts";
import { FsBlobStore } from "../server/store/blobs_fs.ts";
import { KvStore } from "../server/store/kv.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

async function domain(env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const config = loadConfig({ MOBIMAINT_RING_TIMEOUT_MS: "30000", MOBIMAINT_GRACE_MS: "2000", ...env });
  const store = await KvStore.open(":memory:");
  const blobDir = await Deno.makeTempDir({ prefix: "mobimaint-domain-" });
  const blobs = await FsBlobStore.open(blobDir);
  const deps = buildDeps(config, { store, blobs }, createLogger("silent"), { secret: "s".repeat(32), clock });
  await deps.users.seed({ demo: true, adminPassword: "admin-pw" });
  const who = async (name: string): Promise<Identity> => {
    const u = (await store.getUserByName(name))!;
    return {
      userId: u.username,
      username: u.username,
      key: u.id,
      since: u.createdAt,
      role: u.role,
      jti: name,
      exp: 0,
    };
  };
  const events: string[] = [];
  deps.calls.listen({
    ringEnded: (call, outcome, to) => events.push(`ring-ended ${call.callId} ${outcome} ${to}`),
    left: (call, userId, how) => events.push(`left ${call.callId} ${userId} ${how}`),
    ended: (call) => events.push(`ended ${call.callId} ${call.endReason}`),
  });
  deps.grace.events.add({ gone: (userId) => events.push(`gone ${userId}`) });
  return {
    clock,
    deps,
    events,
    tech: await who("user1"),
    expert: await who("user2"),
    close: async () => {
      stopDomain(deps);
      await store.close();
      await blobs.close();
      await Deno.remove(blobDir, { recursive: true });
    },
  };
}

/** Both online, the technician rings the expert. */
async function ringing(d: Awaited<ReturnType<typeof domain>>) {
  d.deps.grace.socketOpened("user1");
  d.deps.grace.socketOpened("user2");
  const call = await d.deps.calls.create(d.tech);
  await d.deps.calls.ring(d.tech, call.callId, "user2");
  return call.callId;
}

/** Ringing, then answered by the expert: the call is active with the technician not in the room yet. */
async function accepted(d: Awaited<ReturnType<typeof domain>>) {
  const callId = await ringing(d);
  await d.deps.calls.respond(d.expert, callId, true);
  return callId;
}

/** Both home pages close (for their call pages): their sockets are gone, the grace period starts. */
function homePagesClosed(d: Awaited<ReturnType<typeof domain>>) {
  d.deps.grace.socketClosed("user2");
  d.deps.grace.socketClosed("user1");
}

const status = async (deps: Deps, callId: string) => (await deps.store.getCall(callId))!;

Deno.test("a ring ends with reason timeout exactly when its time is up, and frees the Expert", async () => {
  const d = await domain();
  try {
    const callId = await ringing(d);
    assert.equal(d.deps.presence.availability("user2"), "busy");
    await d.clock.advance(29_999);
    assert.equal((await status(d.deps, callId)).status, "pending");
    await d.clock.advance(1);
    const call = await status(d.deps, callId);
    assert.equal(call.endReason, "timeout");
    assert.equal(call.endedAt, d.clock.now());
    assert.deepEqual(d.events, [`ring-ended ${callId} timeout user2`, `ended ${callId} timeout`]);
    assert.equal(d.deps.presence.availability("user2"), "available");
    assert.equal(d.clock.pending, 0, "no timer left behind");
  } finally {
    await d.close();
  }
});

Deno.test("an answered ring does not time out", async () => {
  const d = await domain();
  try {
    const callId = await ringing(d);
    await d.clock.advance(10_000);
    await d.deps.calls.respond(d.expert, callId, true);
    await d.clock.advance(60_000);
    assert.equal((await status(d.deps, callId)).status, "active");
    assert.deepEqual(d.events, [`ring-ended ${callId} accepted user2`]);
  } finally {
    await d.close();
  }
});

Deno.test("grace period: back within it keeps the user; gone after it leaves calls and stops rings", async () => {
  const d = await domain();
  try {
    const callId = await ringing(d);
    await d.deps.calls.respond(d.expert, callId, true);
    await d.deps.calls.join(d.tech, callId);

    d.deps.grace.socketClosed("user1");
    await d.clock.advance(1999);
    d.deps.grace.socketOpened("user1");
    await d.clock.advance(5000);
    assert.ok(!d.events.some((e) => e.startsWith("gone")), d.events.join());

    d.deps.grace.socketClosed("user1");
    await d.clock.advance(1999);
    assert.equal(d.deps.presence.status("user1"), "online");
    await d.clock.advance(1);
    assert.equal(d.deps.presence.status("user1"), "offline");
    assert.deepEqual(d.events.slice(-2), ["gone user1", `left ${callId} user1 dropped`]);
    assert.equal((await status(d.deps, callId)).status, "active", "the expert is still in the call");

    // A second socket keeps a user online when the first one closes.
    d.deps.grace.socketOpened("user2");
    d.deps.grace.socketClosed("user2");
    await d.clock.advance(10_000);
    assert.equal(d.deps.presence.status("user2"), "online");
  } finally {
    await d.close();
  }
});

Deno.test("an accepted call waits for both to arrive: the Expert's page loading past the grace does not end it", async () => {
  const d = await domain();
  try {
    const callId = await accepted(d);
    homePagesClosed(d); // the Expert's call page then takes longer than the grace period
    await d.clock.advance(2000);
    assert.ok(d.events.includes(`left ${callId} user2 dropped`), d.events.join());
    assert.equal((await status(d.deps, callId)).status, "active", "the technician has not arrived yet");
    d.deps.grace.socketOpened("user1");
    await d.deps.calls.join(d.tech, callId);
    d.deps.grace.socketOpened("user2");
    await d.deps.calls.join(d.expert, callId);
    await d.clock.advance(60_000);
    const call = await status(d.deps, callId);
    assert.equal(call.status, "active");
    assert.deepEqual(call.participants.map((p) => p.present), [true, true]);
  } finally {
    await d.close();
  }
});

Deno.test("an accepted call nobody arrives in ends when the arrival window closes; leaving on purpose ends it at once", async () => {
  const d = await domain();
  try {
    const callId = await accepted(d);
    homePagesClosed(d);
    await d.clock.advance(29_999); // the window is the ring timeout, counted from the answer
    assert.equal((await status(d.deps, callId)).status, "active");
    await d.clock.advance(1);
    const call = await status(d.deps, callId);
    assert.equal(call.status, "ended");
    assert.equal(call.endReason, "completed");
    assert.equal(d.events.at(-1), `ended ${callId} completed`);

    // An Expert who hangs up before the technician arrives ends the call: only a drop waits.
    d.deps.grace.socketOpened("user1");
    d.deps.grace.socketOpened("user2");
    const second = await accepted(d);
    await d.deps.calls.leave("user2", second, "left");
    assert.equal((await status(d.deps, second)).endReason, "completed");
  } finally {
    await d.close();
  }
});

Deno.test("after a restart, an accepted call nobody arrived in still ends when its arrival window closes", async () => {
  const d = await domain();
  try {
    const callId = await accepted(d);
    await d.deps.calls.leave("user2", callId, "dropped");
    await d.clock.advance(10_000);
    d.deps.departures.close(); // the node stops; its timers are gone, the call is still in the store
    await d.deps.departures.recover(5000);
    await d.clock.advance(19_999);
    assert.equal((await status(d.deps, callId)).status, "active");
    await d.clock.advance(1);
    assert.equal((await status(d.deps, callId)).endReason, "completed");
  } finally {
    await d.close();
  }
});

Deno.test("a gone caller cancels its ring; a gone callee makes it unavailable", async () => {
  const d = await domain();
  try {
    const first = await ringing(d);
    d.deps.grace.socketClosed("user1");
    await d.clock.advance(2000);
    assert.equal((await status(d.deps, first)).endReason, "cancelled");

    d.deps.grace.socketOpened("user1");
    const second = (await d.deps.calls.create(d.tech)).callId;
    await d.deps.calls.ring(d.tech, second, "user2");
    d.deps.grace.socketClosed("user2");
    await d.clock.advance(2000);
    assert.equal((await status(d.deps, second)).endReason, "unavailable");
    assert.ok(d.events.includes(`ring-ended ${second} unavailable user2`));
  } finally {
    await d.close();
  }
});

Deno.test("after a restart, rings resume with the time they had left", async () => {
  const d = await domain();
  try {
    const callId = await ringing(d);
    await d.clock.advance(20_000);
    d.deps.rings.close(); // the node stops; the ring is still in the store
    await d.deps.departures.recover(5000);
    await d.clock.advance(9_999);
    assert.equal((await status(d.deps, callId)).status, "pending");
    await d.clock.advance(1);
    assert.equal((await status(d.deps, callId)).endReason, "timeout");
  } finally {
    await d.close();
  }
});

Deno.test("camera poses relayed through the server: an even rate under the limit passes however the network bunches it; a burst is cut at one second's worth", async () => {
  const d = await domain({ MOBIMAINT_LIMIT_ANCHOR_POSES_PER_SEC: "15" });
  try {
    const callId = await accepted(d);
    await d.deps.calls.join(d.tech, callId);
    let seq = 0;
    const send = () =>
      d.deps.anchorPoses.update(d.tech, callId, {
        epoch: "e1",
        seq: ++seq,
        state: "tracking",
        pose: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      }).then(() => "ok", (e) => e.code);
    // 10 a second from the page, arriving in pairs 10 ms apart (a stalled socket write, then both).
    for (let i = 0; i < 50; i++) {
      assert.equal(await send(), "ok", `pose ${seq}`);
      await d.clock.advance(i % 2 ? 190 : 10);
    }
    await d.clock.advance(2000);
    const burst = [];
    for (let i = 0; i < 20; i++) burst.push(await send());
    assert.deepEqual(burst, [...Array(15).fill("ok"), ...Array(5).fill("RATE_LIMITED")]);
    await d.clock.advance(200); // three more tokens
    assert.deepEqual([await send(), await send(), await send(), await send()], [
      "ok",
      "ok",
      "ok",
      "RATE_LIMITED",
    ]);
  } finally {
    await d.close();
  }
});
