/**
 * Several MobiMaint nodes as real processes on one real redis-server; a node
 * is SIGKILLed mid-call or mid-ring (no shutdown, no goodbye to anyone) and
 * the surviving nodes must carry on: the call continues for a client routed
 * to another node, rings still time out, users who never come back are
 * dropped from their calls — each of these exactly once.
 */
import assert from "node:assert/strict";
import {
  GRACE_MS,
  NODE_TIMEOUT_MS,
  RING_TIMEOUT_MS,
  startCall,
  startCluster,
  statusOf,
  timelineOf,
  waitFor,
} from "../helpers/cluster.ts";
import {
  assertRelayed,
  assertRoundTrip,
  type Client,
  collect,
  connect,
  next,
  reconnectingClient,
  send,
  sleep,
} from "../helpers/sockets.ts";
import { ADMIN_PASSWORD, api, login } from "../helpers/server.ts";

Deno.test("node A is SIGKILLed mid-call: the technician comes back through node B, the call goes on", async () => {
  const cluster = await startCluster(2);
  try {
    const [a, b] = cluster.nodes;
    const tech = await login(a.url, "user1", "P");
    const expert = await login(b.url, "user2", "P");
    const admin = await login(b.url, "admin", ADMIN_PASSWORD);

    // The technician's app reconnects on its own; the load balancer sends it to B once its health check
    // has seen A go down (routeToB).
    let routeToB = false;
    const techSocket = reconnectingClient(a.url, tech.token);
    cluster.sockets.push(techSocket);
    techSocket.io.on("reconnect_attempt", () => {
      if (routeToB) (techSocket.io as unknown as { uri: string }).uri = b.url;
    });
    await next(techSocket, "connect", 5000);
    const expertSocket = await connect(b.url, expert.token);
    cluster.sockets.push(expertSocket);
    await waitFor(
      "A sees the expert on B",
      async () =>
        (await statusOf(a.url, (await login(a.url, "admin", ADMIN_PASSWORD)).token, expert.userId)) ===
          "online/available",
    );

    const callId = await startCall(a.url, tech, techSocket, expert, expertSocket);
    const pin = (id: string) => ({ callId, id, text: `pin ${id}`, x: 0.25, y: 0.5 });
    for (const [socket, id] of [[techSocket, "t1"], [expertSocket, "e1"], [expertSocket, "e2"]] as const) {
      const ack = await send(socket, "annotation", pin(id));
      assert.equal(ack.ok, true, `annotation ${id} acknowledged: ${JSON.stringify(ack)}`);
    }
    assert.equal((await send(expertSocket, "chat", { callId, id: "m1", text: "see the valve?" })).ok, true);

    const userLeft = collect(expertSocket, "user-left");
    const callEnded = collect(expertSocket, "call-ended");
    const dropped = next(techSocket, "disconnect", 5000);
    await cluster.kill(a);
    await dropped;

    // B takes A for gone after the node timeout: the technician shows offline there, its grace period runs.
    await waitFor(
      "B declares A gone",
      async () => (await statusOf(b.url, admin.token, tech.userId)).startsWith("offline"),
    );
    const declaredGoneAt = Date.now();
    const reconnected = next(techSocket, "connect", 5000);
    routeToB = true;
    await reconnected;
    assert.ok(Date.now() - declaredGoneAt < GRACE_MS, "back within the grace period");
    assert.equal(techSocket.recovered, false, "A died without handing the session over: the app re-joins");

    const existingUsers = next(techSocket, "existing-users", 5000);
    const existingAnnotations = next(techSocket, "existing-annotations", 5000);
    const existingChat = next(techSocket, "existing-chat", 5000);
    const joinedSeen = next(expertSocket, "user-joined", 5000);
    const join = await send(techSocket, "join-call", { callId, userId: tech.userId, role: "Technician" });
    assert.equal(join.ok, true, JSON.stringify(join));
    assert.equal(join.status, "active");
    assert.deepEqual((await existingUsers).users.map((u: { userId: string }) => u.userId), [expert.userId]);
    assert.deepEqual(
      (await existingAnnotations).annotations.map((x: { id: string; from: string }) => `${x.id}:${x.from}`),
      [`t1:${tech.userId}`, `e1:${expert.userId}`, `e2:${expert.userId}`],
      "every acknowledged annotation, the one made through A included",
    );
    assert.deepEqual((await existingChat).messages.map((m: { id: string }) => m.id), ["m1"]);
    assert.equal((await joinedSeen).userId, tech.userId);

    await assertRoundTrip(
      { socket: techSocket, userId: tech.userId },
      { socket: expertSocket, userId: expert.userId },
      callId,
    );
    const gotPin = next(techSocket, "annotation", 5000);
    assert.equal((await send(expertSocket, "annotation", pin("e3"))).ok, true);
    assert.equal((await gotPin).id, "e3");

    // Past the grace period (counted from when B could first know) with slack: nobody was dropped.
    await sleep(declaredGoneAt + GRACE_MS + 1_000 - Date.now());
    assert.deepEqual(userLeft, [], "the expert never saw the technician leave");
    assert.deepEqual(callEnded, []);
    const call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: expert.token })).body;
    assert.equal(call.status, "active");
    assert.deepEqual(call.participants.map((p: { present: boolean }) => p.present), [true, true]);
    assert.deepEqual(timelineOf(call, "dropped"), []);
    assert.deepEqual(call.annotations.map((x: { id: string }) => x.id), ["t1", "e1", "e2", "e3"]);
    assert.equal(await statusOf(b.url, admin.token, tech.userId), "online/busy");
  } finally {
    await cluster.close();
  }
});

Deno.test("node A is drained (SIGTERM) mid-call: the technician resumes its session on node B", async () => {
  const cluster = await startCluster(2);
  try {
    const [a, b] = cluster.nodes;
    const tech = await login(a.url, "user1", "P");
    const expert = await login(b.url, "user2", "P");
    const techSocket = reconnectingClient(a.url, tech.token);
    cluster.sockets.push(techSocket);
    // The balancer stops sending new connections to a draining node.
    techSocket.io.on("reconnect_attempt", () => ((techSocket.io as unknown as { uri: string }).uri = b.url));
    await next(techSocket, "connect", 5000);
    const expertSocket = await connect(b.url, expert.token);
    cluster.sockets.push(expertSocket);
    const admin = await login(a.url, "admin", ADMIN_PASSWORD);
    await waitFor(
      "A sees the expert on B",
      async () => (await statusOf(a.url, admin.token, expert.userId)) === "online/available",
    );
    const callId = await startCall(a.url, tech, techSocket, expert, expertSocket);

    const userLeft = collect(expertSocket, "user-left");
    const expertNotices = collect(expertSocket, "server-shutdown");
    const expertDrops = collect(expertSocket, "disconnect");
    const notice = next(techSocket, "server-shutdown", 5000);
    const resumed = next(techSocket, "connect", 15_000);
    const stopping = a.stop();
    await notice;
    await resumed;
    assert.equal(techSocket.recovered, true, "the session A saved on shutdown is resumed on B");
    assert.equal((await stopping).code, 0);

    // No join-call: the resumed socket is back in the call's rooms on B.
    await assertRelayed(expertSocket, techSocket, "offer", { callId, from: expert.userId, to: tech.userId });
    const gotChat = next(expertSocket, "chat", 5000);
    assert.equal((await send(techSocket, "chat", { callId, id: "after-drain", text: "on B now" })).ok, true);
    assert.equal((await gotChat).id, "after-drain");
    await sleep(GRACE_MS + 500);
    assert.deepEqual(expertNotices, [], "only A's own clients are told A is going away");
    assert.deepEqual(expertDrops, [], "B's clients stay connected while A drains");
    assert.deepEqual(userLeft, []);
    const call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: expert.token })).body;
    assert.equal(call.status, "active");
    assert.deepEqual(timelineOf(call, "dropped"), []);
  } finally {
    await cluster.close();
  }
});

Deno.test("several nodes: user-left, ring timeout and node-loss drops each happen exactly once", async (t) => {
  const cluster = await startCluster(3);
  try {
    const [a, b, c] = cluster.nodes;
    const tech = await login(a.url, "user1", "P");
    const expert = await login(a.url, "user2", "P");
    const admin = await login(b.url, "admin", ADMIN_PASSWORD);
    const track = (s: Client) => (cluster.sockets.push(s), s);
    const seenOnlineEverywhere = (userId: string) =>
      waitFor(`every node sees ${userId} available`, async () => {
        for (const n of cluster.alive()) {
          if ((await statusOf(n.url, admin.token, userId)) !== "online/available") return false;
        }
        return true;
      });

    await t.step(
      "(b) the expert, connected to A and B, drops from both: one user-left, one dropped",
      async () => {
        const techOnC = track(await connect(c.url, tech.token));
        const expertOnA = track(await connect(a.url, expert.token));
        const expertOnB = track(await connect(b.url, expert.token));
        await seenOnlineEverywhere(expert.userId);
        const callId = await startCall(c.url, tech, techOnC, expert, expertOnA);
        const join = await send(expertOnB, "join-call", { callId, userId: expert.userId, role: "Expert" });
        assert.equal(join.ok, true, "the expert's second socket, on B, is in the call too");

        const userLeft = collect(techOnC, "user-left");
        const first = next(techOnC, "user-left", GRACE_MS + 5_000);
        expertOnA.close();
        expertOnB.close();
        assert.deepEqual(await first, { userId: expert.userId, callId });
        await sleep(1_500);
        assert.equal(userLeft.length, 1, "user-left reached the call room once");
        const call = (await api(c.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
        assert.equal(timelineOf(call, "dropped").length, 1, JSON.stringify(call.timeline));
        assert.equal(timelineOf(call, "dropped", expert.userId).length, 1);
        assert.equal(call.status, "active", "the technician is still in it");
        assert.equal((await send(techOnC, "end-call", { callId })).ok, true);
        techOnC.close();
      },
    );

    await t.step(
      "(a) a ring from A outlives A: one timeout to the caller, one cancel to the expert",
      async () => {
        const expertOnB = track(await connect(b.url, expert.token));
        const techOnA = track(await connect(a.url, tech.token));
        await seenOnlineEverywhere(expert.userId);
        const callId =
          (await api(a.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
        const cancelled = collect(expertOnB, "call-cancelled");
        const ring = next(expertOnB, "call-request", 5000);
        const beforeRing = Date.now();
        const rang = await send(techOnA, "call-request", { callId, from: tech.userId, to: expert.userId });
        assert.equal(rang.ok, true, JSON.stringify(rang));
        await ring;

        await cluster.kill(a); // A held the ring's timer
        const techOnB = track(await connect(b.url, tech.token)); // the app, routed to B
        const responses = collect(techOnB, "call-response");
        const timedOut = await next(techOnB, "call-response", RING_TIMEOUT_MS + 5_000);
        assert.ok(Date.now() - beforeRing >= RING_TIMEOUT_MS, "not before the ring timeout");
        assert.deepEqual(timedOut, { callId, from: expert.userId, accepted: false, reason: "timeout" });
        await sleep(1_500); // B and C both sweep: neither may tell it twice
        assert.equal(responses.length, 1, JSON.stringify(responses));
        assert.deepEqual(cancelled, [{ callId, reason: "timeout" }]);
        const call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
        assert.equal(call.status, "ended");
        assert.equal(call.endReason, "timeout");
        assert.equal(timelineOf(call, "ended").length, 1);
        await waitFor(
          "the expert is available again",
          async () => (await statusOf(c.url, admin.token, expert.userId)) === "online/available",
        );
      },
    );

    await t.step(
      "(c) a user whose node was killed never comes back: dropped once, after timeout + grace",
      async () => {
        const d = await cluster.add();
        const techOnB = cluster.sockets.at(-1)!;
        const expert3 = await login(d.url, "user3", "p3");
        const expert3OnD = track(await connect(d.url, expert3.token));
        await waitFor(
          "B and C see user3 on D",
          async () =>
            (await statusOf(b.url, admin.token, expert3.userId)) === "online/available" &&
            (await statusOf(c.url, admin.token, expert3.userId)) === "online/available",
        );
        const callId = await startCall(b.url, tech, techOnB, expert3, expert3OnD);
        const userLeft = collect(techOnB, "user-left");
        const first = next(techOnB, "user-left", NODE_TIMEOUT_MS + GRACE_MS + 5_000);
        const killedAt = Date.now();
        await cluster.kill(d);
        assert.deepEqual(await first, { userId: expert3.userId, callId });
        const after = Date.now() - killedAt;
        // The node timeout counts from D's last heartbeat, which a busy machine may have sent late: only the
        // grace period, which starts once B or C declared D gone, is a firm lower bound.
        assert.ok(after >= GRACE_MS, `dropped ${after} ms after the kill: within the grace period`);
        await sleep(1_500); // B and C both ran the cleanup
        assert.equal(userLeft.length, 1, JSON.stringify(userLeft));
        const call = (await api(c.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
        assert.equal(timelineOf(call, "dropped").length, 1, JSON.stringify(call.timeline));
        assert.equal(timelineOf(call, "dropped", expert3.userId).length, 1);
        assert.equal(call.status, "active", "the technician is still in it");
        assert.deepEqual(
          call.participants.map((p: { userId: string; present: boolean }) => `${p.userId}:${p.present}`),
          [`${tech.userId}:true`, `${expert3.userId}:false`],
        );
        assert.equal(await statusOf(b.url, admin.token, expert3.userId), "offline/offline");
        assert.equal(await statusOf(c.url, admin.token, expert3.userId), "offline/offline");
      },
    );
  } finally {
    await cluster.close();
  }
});
