/**
 * Two MobiMaint nodes sharing one real redis-server (store + Socket.IO Redis
 * Streams adapter + replicated presence): the technician is connected to node
 * A, the expert to node B, and a call runs across them.
 */
import assert from "node:assert/strict";
import { acceptAsOldClient, connectPair, startActiveCall } from "./helpers/calls.ts";
import { ADMIN_PASSWORD, api, login } from "./helpers/server.ts";
import { startTwoNodes, waitForStoredSession } from "./helpers/redis.ts";
import {
  assertRoundTrip,
  type Client,
  collect,
  connect,
  next,
  resumingClient,
  send,
  sessionOf,
} from "./helpers/sockets.ts";

async function expertStatus(url: string, token: string, expertId: string) {
  const dir = await api(url, "GET", "/api/experts", { token });
  const e = dir.body.experts.find((x: { id: string }) => x.id === expertId);
  return `${e.status}/${e.availability}`;
}

/**
 * Waits until node `url`'s directory shows the expert as `want`. Presence
 * changes travel between nodes as Redis pub/sub messages, while broadcasts to
 * clients go through the Redis stream, so a client may hear of a change a
 * moment before another node's REST answers reflect it.
 */
async function expectExpert(url: string, token: string, expertId: string, want: string) {
  const deadline = Date.now() + 3_000;
  let got = await expertStatus(url, token, expertId);
  while (got !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    got = await expertStatus(url, token, expertId);
  }
  assert.equal(got, want, `expert as seen by ${url}`);
}

Deno.test("two nodes on one Redis: presence, call-request, accept, relay, drop, logout", async (t) => {
  const { redis, a, b, close } = await startTwoNodes({ MOBIMAINT_GRACE_MS: "500" });
  const sockets: Client[] = [];
  try {
    const tech = await login(a.url, "user1", "P");
    const expert = await login(b.url, "user2", "P");
    let techSocket = await connect(a.url, tech.token);
    sockets.push(techSocket);
    let expertSocket!: Client;
    let callId = "";

    await t.step("presence: the technician on A sees the expert on B come online", async () => {
      const status = next(techSocket, "user-status-change", 5000, (p) => p.userId === expert.userId);
      expertSocket = await connect(b.url, expert.token);
      sockets.push(expertSocket);
      assert.deepEqual(await status, { userId: expert.userId, status: "online", availability: "available" });
      await expectExpert(a.url, tech.token, expert.userId, "online/available");
      assert.equal((await api(a.url, "GET", "/health")).body.onlineUsers, 2);
      assert.equal((await api(b.url, "GET", "/health")).body.onlineUsers, 2);
    });

    await t.step("call-request on A rings the expert on B, who shows busy on both nodes", async () => {
      callId = (await api(a.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      assert.equal((await api(b.url, "GET", `/api/calls/${callId}`, { token: tech.token })).status, 200);
      const ring = next(expertSocket, "call-request", 5000);
      const busy = next(techSocket, "user-status-change", 5000, (p) => p.userId === expert.userId);
      const ack = await send(techSocket, "call-request", { callId, from: tech.userId, to: expert.userId });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.deepEqual(await ring, { callId, from: tech.userId, fromUsername: "user1" });
      assert.equal((await busy).availability, "busy");
      await expectExpert(b.url, tech.token, expert.userId, "online/busy");
    });

    await t.step("accept on B reaches A; the technician joins on A", async () => {
      const response = next(techSocket, "call-response", 5000);
      const ack = await acceptAsOldClient(expertSocket, callId, expert.userId, tech.userId);
      assert.deepEqual(ack, { ok: true, callId, status: "active" });
      assert.deepEqual(await response, { callId, from: expert.userId, accepted: true });
      const joined = next(expertSocket, "user-joined", 5000);
      const existing = next(techSocket, "existing-users", 5000);
      const join = await send(techSocket, "join-call", { callId, userId: tech.userId, role: "Technician" });
      assert.equal(join.ok, true, JSON.stringify(join));
      assert.equal((await joined).userId, tech.userId);
      assert.deepEqual((await existing).users.map((u: { userId: string }) => u.userId), [expert.userId]);
      await expectExpert(a.url, tech.token, expert.userId, "online/busy");
    });

    await t.step("offer from A is relayed to B, the answer back to A", async () => {
      await assertRoundTrip(
        { socket: techSocket, userId: tech.userId },
        { socket: expertSocket, userId: expert.userId },
        callId,
      );
    });

    await t.step("an annotation sent on B reaches the technician's board stream on A", async () => {
      const board = await connect(`${a.url}/board`, tech.token);
      sockets.push(board);
      const copy = next(board, "annotation", 5000);
      const pin = { id: "across", kind: "pin" as const, x: 0.5, y: 0.5, color: "#ff3b30", text: "here" };
      assert.equal((await send(expertSocket, "annotation", { callId, ...pin })).ok, true);
      assert.deepEqual(await copy, { callId, ...pin, from: expert.userId });
      board.close();
    });

    await t.step(
      "the technician's link to A breaks: it resumes on B with its rooms and the missed chat",
      async () => {
        const session = sessionOf(techSocket);
        // deno-lint-ignore no-explicit-any
        const old = techSocket as any;
        const gone = next(techSocket, "disconnect", 5000);
        old.io.engine.close(); // no goodbye: the server keeps the session for recovery
        await gone;
        await waitForStoredSession(redis.url, session.pid);
        const candidate = { candidate: "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host", sdpMid: "0" };
        assert.equal(
          (await send(expertSocket, "ice-candidate", { callId, candidate, to: tech.userId })).ok,
          true,
        );
        assert.equal(
          (await send(expertSocket, "chat", { callId, id: "m-away", text: "still there?" })).ok,
          true,
        );

        const resumed = resumingClient(b.url, tech.token, session);
        sockets.push(resumed);
        const missedChat = next(resumed, "chat", 5000);
        const staleIce = collect(resumed, "ice-candidate");
        const connected = next(resumed, "connect", 5000);
        resumed.connect();
        await connected;
        assert.equal(resumed.recovered, true, "session restored on the other node");
        const chat = await missedChat;
        assert.equal(chat.id, "m-away");
        assert.equal(chat.from, expert.userId);
        assert.deepEqual(staleIce, [], "media negotiation is not replayed (the client restarts ICE)");
        techSocket = resumed;

        const offer = { type: "offer" as const, sdp: "v=0\r\n" };
        const gotOffer = next(techSocket, "offer", 5000);
        assert.equal((await send(expertSocket, "offer", { callId, offer, to: tech.userId })).ok, true);
        assert.deepEqual(
          await gotOffer,
          { offer, from: expert.userId, callId },
          "still in the call's rooms on B",
        );
      },
    );

    await t.step(
      "the expert drops from B: after the grace the technician sees user-left and offline, on both nodes",
      async () => {
        const left = next(techSocket, "user-left", 5000);
        const offline = next(techSocket, "user-status-change", 5000, (p) => p.status === "offline");
        expertSocket.close();
        assert.deepEqual(await left, { userId: expert.userId, callId });
        assert.deepEqual(await offline, {
          userId: expert.userId,
          status: "offline",
          availability: "offline",
        });
        await expectExpert(a.url, tech.token, expert.userId, "offline/offline");
        await expectExpert(b.url, tech.token, expert.userId, "offline/offline");
      },
    );

    await t.step("logout on A disconnects the same user's sockets on B, its board stream too", async () => {
      const admin = await login(a.url, "admin", ADMIN_PASSWORD);
      const onA = await connect(a.url, admin.token);
      const onB = await connect(b.url, admin.token);
      const boardOnB = await connect(`${b.url}/board`, admin.token);
      sockets.push(onA, onB, boardOnB);
      const droppedOnB = next(onB, "disconnect", 5000);
      const droppedOnA = next(onA, "disconnect", 5000);
      const boardDropped = next(boardOnB, "disconnect", 5000);
      onA.emit("logout", {});
      assert.equal(await droppedOnA, "io server disconnect");
      assert.equal(await droppedOnB, "io server disconnect");
      assert.equal(await boardDropped, "io server disconnect");
    });

    await t.step(
      "node A shuts down; the technician, resumed on B, drops: B leaves it, the call completes",
      async () => {
        await a.close(); // what A knew of the technician's call is gone with it
        techSocket.close();
        const deadline = Date.now() + 5_000;
        let call;
        for (;;) {
          call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
          if (call.status === "ended" || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(call.status, "ended");
        assert.equal(call.endReason, "completed");
        assert.deepEqual(call.participants.map((p: { present: boolean }) => p.present), [false, false]);
      },
    );
  } finally {
    for (const s of sockets) s.close();
    await close();
  }
});

Deno.test("two nodes on one Redis: login limits count across nodes", async () => {
  const { a, b, close } = await startTwoNodes({ MOBIMAINT_LIMIT_LOGIN_PER_ACCOUNT: "3" });
  try {
    const attempt = (url: string, password: string) =>
      api(url, "POST", "/login", { body: { username: "user1", password } });
    assert.equal((await attempt(a.url, "wrong")).status, 401);
    assert.equal((await attempt(a.url, "wrong")).status, 401);
    assert.equal((await attempt(b.url, "wrong")).status, 401);
    const blocked = await attempt(b.url, "P");
    assert.equal(blocked.status, 429, "the third failure, on another node, used up the account's attempts");
    assert.equal((await attempt(a.url, "P")).status, 429);
  } finally {
    await close();
  }
});

Deno.test("two nodes on one Redis: the annotations-per-call limit holds across nodes", async () => {
  const { a, b, close } = await startTwoNodes({ MOBIMAINT_LIMIT_ANNOTATIONS: "3" });
  const sockets: Client[] = [];
  try {
    const { tech, expert, techSocket, expertSocket } = await connectPair(a.url, b.url);
    sockets.push(techSocket, expertSocket);
    await expectExpert(a.url, tech.token, expert.userId, "online/available");
    const callId = await startActiveCall(a.url, tech.token, techSocket, expertSocket, expert.userId);

    const draw = (socket: Client, id: string, text = "") =>
      send(socket, "annotation", { callId, id, text, x: 0.5, y: 0.5 });
    const code = (ack: { ok: boolean; error?: { code: string } }) => ack.ok ? "ok" : ack.error?.code;
    const stored = async () =>
      (await api(a.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body.annotations.length;

    assert.equal(code(await draw(techSocket, "a1")), "ok");
    assert.equal(code(await draw(techSocket, "a2")), "ok");
    assert.equal(code(await draw(expertSocket, "b1")), "ok");
    assert.equal(code(await draw(expertSocket, "b2")), "LIMIT_EXCEEDED", "the two on node A count on node B");
    assert.equal(code(await draw(techSocket, "a3")), "LIMIT_EXCEEDED", "the one on node B counts on node A");
    assert.equal(
      code(await draw(techSocket, "a1", "moved")),
      "ok",
      "an update at the limit is not a new one",
    );
    assert.equal(await stored(), 3);

    // A clear on B frees the call for A too.
    assert.equal((await send(expertSocket, "annotation-clear", { callId })).ok, true);
    assert.equal(code(await draw(techSocket, "a4")), "ok");
    assert.equal((await send(techSocket, "annotation-delete", { callId, id: "a4" })).ok, true);

    // Writers on both nodes at once: exactly the limit is stored, and exactly that many acknowledged.
    const acks = await Promise.all(
      Array.from({ length: 12 }, (_, i) => draw(i % 2 ? expertSocket : techSocket, `race-${i}`)),
    );
    assert.equal(acks.filter((r) => r.ok).length, 3, JSON.stringify(acks.map(code)));
    assert.ok(acks.every((r) => r.ok || code(r) === "LIMIT_EXCEEDED"));
    assert.equal(await stored(), 3);
  } finally {
    for (const s of sockets) s.close();
    await close();
  }
});
