/**
 * Camera poses over signaling (issue 17): relayed from the technician to the call, refused from anyone
 * else or when malformed, rate-limited, and the latest kept (throttled) for a page that (re)joins,
 * across a server restart.
 */
import assert from "node:assert/strict";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { api, login, startTestServer } from "./helpers/server.ts";
import { png } from "./helpers/images.ts";
import { connect, next, send, sendRaw, silent, sleep } from "./helpers/sockets.ts";

const pose = (seq: number, dx = 0.01 * seq) => ({
  epoch: "e1",
  seq,
  state: "tracking" as const,
  pose: [1, 0, dx, 0, 1, 0, 0, 0, 1],
});

Deno.test("anchor-pose: relayed to the call, only from its technician, checked, rate-limited, latest kept", async () => {
  const server = await startTestServer({ MOBIMAINT_ANCHOR_POSE_STORE_MS: "200" });
  const dataDir = server.dataDir;
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  const outsider = await connect(server.url, (await login(server.url, "user3", "p3")).token);
  let restarted: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    assert.equal((await send(techSocket, "join-call", { callId })).ok, true);
    assert.equal((await send(expertSocket, "anchor-pose-latest", { callId })).pose, null, "none yet");

    const got = next(expertSocket, "anchor-pose");
    assert.equal((await send(techSocket, "anchor-pose", { callId, ...pose(1) })).ok, true);
    assert.deepEqual(await got, { callId, from: tech.userId, ...pose(1) });

    // Only the technician's camera has a pose; outsiders are not in the call.
    const byExpert = await send(expertSocket, "anchor-pose", { callId, ...pose(2) });
    assert.equal(!byExpert.ok && byExpert.error.code, "FORBIDDEN");
    const byOutsider = await send(outsider, "anchor-pose-latest", { callId });
    assert.equal(!byOutsider.ok && byOutsider.error.code, "FORBIDDEN");

    // Malformed: not 9 numbers, unknown state, no epoch.
    for (
      const bad of [{ ...pose(3), pose: [1, 0, 0] }, { ...pose(3), state: "sure" }, { ...pose(3), epoch: "" }]
    ) {
      const r = await sendRaw(techSocket, "anchor-pose", { callId, ...bad });
      assert.equal(!r.ok && r.error.code, "BAD_REQUEST", JSON.stringify(bad));
    }

    // More than a second's worth (15) at once: the extra ones are refused and not relayed.
    await sleep(1100);
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => send(techSocket, "anchor-pose", { callId, ...pose(4 + i) })),
    );
    const passed = burst.filter((r) => r.ok).length;
    assert.ok(passed >= 15 && passed <= 17, `${passed} of 25 passed`); // 15 + what refilled meanwhile
    assert.ok(burst.every((r) => r.ok || r.error.code === "RATE_LIMITED"));
    const last = pose(4 + burst.findLastIndex((r) => r.ok));

    // The latest for a page that asks; kept across a restart once written (throttled, ≤ 200 ms here).
    assert.deepEqual((await send(expertSocket, "anchor-pose-latest", { callId })).pose, last);
    await sleep(400);
    techSocket.close();
    expertSocket.close();
    outsider.close();
    await server.close();
    restarted = await startTestServer({}, dataDir);
    const expert2 = await connect(restarted.url, (await login(restarted.url, "user2", "P")).token);
    try {
      assert.equal((await send(expert2, "join-call", { callId })).ok, true);
      assert.deepEqual((await send(expert2, "anchor-pose-latest", { callId })).pose, last);
      await silent(expert2, "anchor-pose", 100);
    } finally {
      expert2.close();
    }
  } finally {
    techSocket.close();
    expertSocket.close();
    outsider.close();
    await server.close();
    await restarted?.close();
  }
});

Deno.test("annotation anchor: stored and relayed with the compat pin shape intact; a bad anchor is refused", async () => {
  const server = await startTestServer();
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    const anchor = { epoch: "e1", pose: [1, 0, 0.1, 0, 1, 0, 0, 0, 1] };
    const pin = { callId, id: "a1", text: "this bolt", x: 0.4, y: 0.6, anchor };
    const got = next(techSocket, "annotation");
    assert.equal((await send(expertSocket, "annotation", pin)).ok, true);
    // An old client reads {id, text, x, y, from} as before; the anchor rides along.
    assert.deepEqual(await got, { ...pin, from: expert.userId });
    const stored = (await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
    assert.deepEqual(stored.annotations[0].anchor, anchor);
    for (
      const bad of [{ epoch: "e1", pose: [1, 0, 0] }, { epoch: "", pose: anchor.pose }, { pose: anchor.pose }]
    ) {
      const r = await sendRaw(expertSocket, "annotation", { ...pin, id: "a2", anchor: bad });
      assert.equal(!r.ok && r.error.code, "BAD_REQUEST", JSON.stringify(bad));
    }
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});

Deno.test("a frozen still carries the technician's pose: drawings on it can stick to the object", async () => {
  const server = await startTestServer();
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    const res = await fetch(`${server.url}/api/calls/${encodeURIComponent(callId)}/snapshots`, {
      method: "POST",
      headers: { "content-type": "image/png", authorization: `Bearer ${tech.token}` },
      body: png(64, 36),
    });
    assert.equal(res.status, 201);
    const { id: snapshotId } = await res.json();
    const anchor = { epoch: "e1", pose: [1, 0, 0.2, 0, 1, 0, 0, 0, 1] };

    // Only the technician's camera has a pose; a bad one is refused; the still itself is not frozen then.
    const byExpert = await send(expertSocket, "freeze", { callId, snapshotId, anchor });
    assert.equal(!byExpert.ok && byExpert.error.code, "FORBIDDEN");
    const bad = await sendRaw(techSocket, "freeze", {
      callId,
      snapshotId,
      anchor: { epoch: "e1", pose: [1] },
    });
    assert.equal(!bad.ok && bad.error.code, "BAD_REQUEST");
    const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: expert.token });
    assert.equal(detail.body.frozen, undefined);

    const frozen = next(expertSocket, "frame-frozen");
    assert.equal((await send(techSocket, "freeze", { callId, snapshotId, anchor })).ok, true);
    assert.deepEqual((await frozen).anchor, anchor);
    // A page that (re)loads gets it with the call.
    const after = await api(server.url, "GET", `/api/calls/${callId}`, { token: expert.token });
    assert.deepEqual(after.body.frozen.anchor, anchor);

    // An old client's freeze (no anchor) works as before, from either side.
    const plain = next(techSocket, "frame-frozen");
    assert.equal((await send(expertSocket, "freeze", { callId, snapshotId })).ok, true);
    assert.equal((await plain).anchor, undefined);
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
