/**
 * Drops beyond tests/signaling_drops_test.ts: messages sent while the receiver
 * is reconnecting are never lost, a session is not resumed past the grace
 * period or after its token was revoked.
 */
import assert from "node:assert/strict";
import { api, loginAll, startTestServer, type TestServer } from "./helpers/server.ts";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { startTwoNodes, waitForStoredSession } from "./helpers/redis.ts";
import { ResumeCatchUp, type ResumingAdapter } from "../server/signaling/resume_catch_up.ts";
import {
  type Client,
  collect,
  connect,
  dropAndHold,
  next,
  reconnectingClient,
  resumingClient,
  send,
  sessionOf,
  silent,
  sleep,
} from "./helpers/sockets.ts";

/** A tech whose socket reconnects by itself (with recovery), in an active call with an expert. */
async function callWithReconnectingTech(server: TestServer) {
  const users = await loginAll(server.url);
  const tech = reconnectingClient(server.url, users.tech.token, 50);
  await next(tech, "connect");
  const expert = await connect(server.url, users.expert.token);
  const callId = await startActiveCall(server.url, users.tech.token, tech, expert, users.expert.userId);
  return { users, tech, expert, callId };
}

const dropTransport = (socket: Client) =>
  // deno-lint-ignore no-explicit-any
  (socket.io as any).engine.close();

Deno.test("chat sent while the receiver drops and recovers, over and over, all arrives once", async () => {
  const server = await startTestServer({
    MOBIMAINT_GRACE_MS: "2000",
    MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "100000",
  });
  const { tech, expert, callId } = await callWithReconnectingTech(server);
  try {
    // Chat, not ICE: offer/answer/ICE are deliberately not replayed (stale after a drop, see recovery_adapter.ts).
    const received = collect(tech, "chat");
    let sent = 0;
    let drops = 0;
    let recovered = 0;
    tech.on("connect", () => tech.recovered && recovered++);
    let sending = true;
    let senderError: unknown;
    const sender: Promise<void> = (async () => {
      while (sending) {
        const ack = await send(expert, "chat", { callId, id: `m${sent}`, text: `message ${sent}` });
        if (!ack.ok) throw new Error(`relay refused: ${ack.error.code} ${ack.error.message}`);
        sent++;
        await sleep(1);
      }
    })().catch((e) => {
      senderError = e;
    });
    for (let i = 0; i < 40; i++) {
      await sleep(40);
      if (!tech.connected) {
        await next(tech, "connect", 3000);
      }
      dropTransport(tech);
      drops++;
    }
    await next(tech, "connect", 3000);
    sending = false;
    await sender;
    if (senderError) throw senderError;
    await sleep(300);
    const got = received.map((r) => r.id);
    const missing = Array.from({ length: sent }, (_, i) => `m${i}`).filter((c) => !got.includes(c));
    console.log(
      `${sent} chat messages across ${drops} drops (${recovered} recovered): ${missing.length} missing`,
    );
    assert.equal(recovered, drops, "every drop was recovered");
    assert.deepEqual(missing, []);
    assert.equal(new Set(got).size, got.length, "no duplicates");
  } finally {
    tech.close();
    expert.close();
    await server.close();
  }
});

/**
 * Socket.IO takes a resumed session's missed packets, creates its socket (joining its rooms) and connects it
 * a few awaits later; under load other handlers run in between. This makes `broadcast` run in each of those
 * two gaps on `server`, the way a busy server interleaves them.
 */
function broadcastWhileResuming(server: TestServer, broadcast: () => Promise<void>) {
  const nsp = server.signaling.io.of("/") as unknown as {
    adapter: { restoreSession(pid: string, offset: string): Promise<unknown> };
    _createSocket(...args: unknown[]): Promise<unknown>;
  };
  const restore = nsp.adapter.restoreSession;
  const createSocket = nsp._createSocket;
  nsp.adapter.restoreSession = async (pid, offset) => {
    const session = await restore.call(nsp.adapter, pid, offset);
    await broadcast(); // the missed packets are taken, the socket is not in its rooms yet
    return session;
  };
  nsp._createSocket = async (...args) => {
    const socket = await createSocket.apply(nsp, args);
    await broadcast(); // in its rooms, not yet connected
    return socket;
  };
}

/** Sends chat from `expert`, acknowledged, with ids m0, m1…; `sent()` counts them. */
function chatter(expert: Client, callId: string) {
  let sent = 0;
  const chat = async () => {
    const id = `m${sent++}`;
    assert.equal((await send(expert, "chat", { callId, id, text: "while resuming" })).ok, true);
  };
  return { chat, sent: () => sent };
}

/** Waits for chat `ids` in `received` (filled as they arrive), in order and each once. */
async function allArrived(received: { id: string }[], ids: string[]) {
  for (let i = 0; i < 50 && received.length < ids.length; i++) await sleep(20);
  await sleep(100); // and nothing twice
  assert.deepEqual(received.map((m) => m.id), ids);
}

Deno.test("a chat broadcast while a session is being resumed arrives once (after its missed packets were taken, before it is connected)", async () => {
  const server = await startTestServer({ MOBIMAINT_GRACE_MS: "3000" });
  const { tech, expert, callId } = await callWithReconnectingTech(server);
  try {
    const received = collect(tech, "chat");
    const { chat, sent } = chatter(expert, callId);
    await chat(); // an offset to resume from
    await allArrived(received, ["m0"]);
    broadcastWhileResuming(server, chat);
    dropTransport(tech);
    await next(tech, "connect", 3000);
    assert.equal(tech.recovered, true, "the session was resumed");
    assert.equal(sent(), 3);
    await allArrived(received, ["m0", "m1", "m2"]);
  } finally {
    tech.close();
    expert.close();
    await server.close();
  }
});

Deno.test("two nodes: a chat broadcast while a session is being resumed on the other node arrives once", async () => {
  const { redis, a, b, close } = await startTwoNodes({ MOBIMAINT_GRACE_MS: "3000" });
  const sockets: Client[] = [];
  try {
    const { tech, expert, techSocket, expertSocket } = await connectPair(a.url, a.url);
    sockets.push(techSocket, expertSocket);
    const callId = await startActiveCall(a.url, tech.token, techSocket, expertSocket, expert.userId);
    const { chat, sent } = chatter(expertSocket, callId);
    const first = next(techSocket, "chat", 5000);
    await chat();
    await first; // the client now holds an offset to resume from

    const session = sessionOf(techSocket);
    dropTransport(techSocket);
    await waitForStoredSession(redis.url, session.pid);
    broadcastWhileResuming(b, chat);
    const resumed = resumingClient(b.url, tech.token, session);
    sockets.push(resumed);
    const received = collect(resumed, "chat");
    resumed.connect();
    await next(resumed, "connect", 5000);
    assert.equal(resumed.recovered, true, "the session was resumed on the other node");
    assert.equal(sent(), 3);
    await allArrived(received, ["m1", "m2"]);
  } finally {
    for (const s of sockets) s.close();
    await close();
  }
});

Deno.test("a quiet client (last packet older than the replay buffer) still resumes and gets what it missed", async () => {
  const server = await startTestServer({ MOBIMAINT_GRACE_MS: "500" });
  const { tech, expert, callId } = await callWithReconnectingTech(server);
  try {
    const got = collect(tech, "annotation");
    await send(expert, "annotation", { callId, id: "old", text: "seen", x: 0.5, y: 0.5 });
    await sleep(3500); // the buffer (twice the 1 s minimum window, trimmed every second) no longer holds "old"
    const resume = dropAndHold(tech);
    await sleep(50);
    await send(expert, "annotation", { callId, id: "missed", text: "while away", x: 0.5, y: 0.5 });
    await resume(3000);
    assert.equal(tech.recovered, true, "the session was resumed");
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
    assert.deepEqual(got.map((a) => a.id), ["old", "missed"]);
  } finally {
    tech.close();
    expert.close();
    await server.close();
  }
});

Deno.test("a drop longer than the grace period is not resumed: the call's rooms are not given back", async () => {
  // Sessions stay resumable for at least 1 s (io.ts), so the grace period here is not shorter.
  const server = await startTestServer({ MOBIMAINT_GRACE_MS: "1000" });
  const { users, tech, expert, callId } = await callWithReconnectingTech(server);
  try {
    const left = next(expert, "user-left", 3000);
    const resume = dropAndHold(tech);
    await left;
    await resume(3000);
    assert.equal(tech.recovered, false, "a new session, not a resumed one");
    // Not in the call room any more: the expert's annotation does not reach it until it re-joins.
    await send(expert, "annotation", { callId, id: "a1", text: "after", x: 0.5, y: 0.5 });
    await silent(tech, "annotation", 300);
    const anns = next(tech, "existing-annotations");
    assert.equal((await send(tech, "join-call", { callId })).ok, true);
    assert.deepEqual((await anns).annotations.map((a: { id: string }) => a.id), ["a1"]);
    const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: users.admin.token });
    assert.equal(
      detail.body.participants.find((p: { userId: string }) => p.userId === users.tech.userId).present,
      true,
    );
  } finally {
    tech.close();
    expert.close();
    await server.close();
  }
});

Deno.test("a session whose token was revoked while it was away is not resumed, nothing is replayed to it", async () => {
  const server = await startTestServer({ MOBIMAINT_GRACE_MS: "3000" });
  const { users, tech, expert, callId } = await callWithReconnectingTech(server);
  try {
    tech.io.reconnection(false);
    dropTransport(tech);
    await sleep(50);
    const replayed = collect(tech, "annotation");
    await send(expert, "annotation", { callId, id: "secret", text: "while away", x: 0.5, y: 0.5 });
    // The token is revoked (logout from another tab) while the socket is away.
    assert.equal((await api(server.url, "POST", "/logout", { token: users.tech.token })).status, 200);
    const refused = next(tech, "connect_error", 3000);
    tech.connect();
    assert.equal((await refused).message, "UNAUTHORIZED");
    await sleep(100);
    assert.deepEqual(replayed, [], "nothing missed was replayed to a revoked session");
  } finally {
    tech.close();
    expert.close();
    await server.close();
  }
});

Deno.test("two nodes: a session revoked while away is not resumed on the other node, nothing replayed", async () => {
  const { redis, a, b, close } = await startTwoNodes({ MOBIMAINT_GRACE_MS: "3000" });
  const sockets: Client[] = [];
  try {
    const { tech, expert, techSocket, expertSocket } = await connectPair(a.url, b.url);
    sockets.push(techSocket, expertSocket);
    const callId = await startActiveCall(a.url, tech.token, techSocket, expertSocket, expert.userId);
    const first = next(techSocket, "chat", 5000);
    await send(expertSocket, "chat", { callId, id: "m1", text: "hello" });
    await first; // the client now holds an offset to resume from

    const session = sessionOf(techSocket);
    dropTransport(techSocket);
    await waitForStoredSession(redis.url, session.pid);
    await send(expertSocket, "chat", { callId, id: "m-secret", text: "while away" });
    assert.equal((await api(b.url, "POST", "/logout", { token: tech.token })).status, 200);

    const resumed = resumingClient(b.url, tech.token, session);
    sockets.push(resumed);
    const replayed = collect(resumed, "chat");
    const refused = next(resumed, "connect_error", 5000);
    resumed.connect();
    assert.equal((await refused).message, "UNAUTHORIZED");
    await sleep(100);
    assert.deepEqual(replayed, []);
  } finally {
    for (const s of sockets) s.close();
    await close();
  }
});

Deno.test("a session restored that never connects (its transport closed first) does not keep broadcasts for long", async () => {
  let now = 0;
  const catchUp = new ResumeCatchUp(() => now);
  const packet = (i: number) => ({ data: ["chat", { id: `m${i}` }] });
  const adapter: ResumingAdapter = {
    restoreSession: () => Promise.resolve({ sid: "s1", rooms: ["s1", "call:c"], missedPackets: [] }),
    // As Socket.IO's session-aware adapter: the packet kept for replay gets its offset appended.
    broadcast: (p) => void p.data.push(`offset-${p.data.length}`),
  };
  catchUp.install(adapter);
  const opts = { rooms: new Set(["call:c"]), except: new Set<string>() };
  await adapter.restoreSession("pid", "offset");
  for (let i = 0; i < 100; i++) adapter.broadcast(packet(i), opts);
  assert.equal(catchUp.kept, 100, "kept while the session may still connect");
  now = 11_000; // past the time a resumed session has to connect
  for (let i = 0; i < 300; i++) adapter.broadcast(packet(i), opts);
  assert.ok(catchUp.kept < 256, `${catchUp.kept} broadcasts still kept`);
});
