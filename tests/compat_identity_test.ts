/**
 * Identity on the wire (compat, PROTOCOL.md): a user's id is the username, in REST and Socket.IO, in both
 * directions, as in the replaced server. Checked with the literal values an old client sends and expects.
 * A user deleted and created again under the same name is a new user: nothing of the old one carries over.
 */
import assert from "node:assert/strict";
import { connectCall } from "./helpers/calls.ts";
import { ADMIN_PASSWORD, api, login, startTestServer } from "./helpers/server.ts";
import { type Client, connect, next, send } from "./helpers/sockets.ts";

Deno.test("compat: REST names users by username (login, experts, users status, calls, history)", async () => {
  const server = await startTestServer();
  const sockets: Client[] = [];
  try {
    const tech = await api(server.url, "POST", "/login", { body: { username: "user1", password: "P" } });
    assert.equal(tech.status, 200);
    assert.equal(tech.body.userId, "user1");
    assert.equal(tech.body.role, "Technician");
    assert.equal(tech.body.message, "Login successful");
    const expert = await login(server.url, "user2", "P");
    assert.equal(expert.userId, "user2");
    const admin = await login(server.url, "admin", ADMIN_PASSWORD);

    const experts = await api(server.url, "GET", "/api/experts", { token: tech.body.token });
    assert.deepEqual(
      experts.body.experts.find((e: { username: string }) => e.username === "user2"),
      { id: "user2", username: "user2", role: "Expert", status: "offline", availability: "offline" },
    );
    for (const e of experts.body.experts) assert.equal(e.id, e.username);
    const status = await api(server.url, "GET", "/api/users/status", { token: admin.token });
    for (const u of status.body.users) assert.equal(u.id, u.username);

    // create-call with the typed username as userId (the old apps send it); another user's name is refused.
    const created = await api(server.url, "POST", "/api/create-call", {
      token: tech.body.token,
      body: { userId: "user1" },
    });
    assert.equal(created.status, 200);
    const foreign = await api(server.url, "POST", "/api/create-call", {
      token: tech.body.token,
      body: { userId: "user2" },
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, "FORBIDDEN");

    const techSocket = await connect(server.url, tech.body.token);
    const expertSocket = await connect(server.url, expert.token);
    sockets.push(techSocket, expertSocket);
    const callId = created.body.callId;
    await connectCall(callId, techSocket, expertSocket, "user2");
    await send(expertSocket, "annotation", { callId, id: "a1", text: "Here", x: 0.5, y: 0.5 });
    await send(techSocket, "chat", { callId, id: "m1", text: "hello" });

    const detail = (await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.body.token })).body;
    assert.equal(detail.createdBy, "user1");
    assert.deepEqual(detail.participants.map((p: { userId: string }) => p.userId), ["user1", "user2"]);
    assert.ok(
      detail.timeline.every((t: { userId?: string }) => !t.userId || ["user1", "user2"].includes(t.userId)),
    );
    assert.equal(detail.annotations[0].from, "user2");
    assert.equal(detail.chat[0].from, "user1");
    const list = (await api(server.url, "GET", "/api/calls", { token: admin.token })).body;
    assert.deepEqual(list.calls.find((c: { callId: string }) => c.callId === callId).users, [
      "user1",
      "user2",
    ]);
    const history = (await api(server.url, "GET", "/api/history", { token: expert.token })).body;
    assert.equal(history.calls[0].callId, callId);
    assert.equal(history.calls[0].createdBy, "user1");
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

Deno.test("compat: presence and call events name users by username", async () => {
  const server = await startTestServer();
  const sockets: Client[] = [];
  try {
    const tech = await login(server.url, "user1", "P");
    const expert = await login(server.url, "user2", "P");
    const techSocket = await connect(server.url, tech.token);
    sockets.push(techSocket);
    techSocket.emit("register", { userId: "user1" });
    const online = next(techSocket, "user-status-change", 3000, (p) => p.status === "online");
    const expertSocket = await connect(server.url, expert.token);
    sockets.push(expertSocket);
    expertSocket.emit("register", { userId: "user2" });
    assert.equal((await online).userId, "user2");

    const { callId } =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body;
    const ring = next(expertSocket, "call-request");
    techSocket.emit("call-request", { callId, from: "user1", to: "user2" });
    const request = await ring;
    assert.deepEqual([request.callId, request.from], [callId, "user1"]);
    const response = next(techSocket, "call-response");
    expertSocket.emit("call-response", { callId, from: "user2", to: "user1", accepted: true });
    assert.equal((await response).from, "user2");
    const joined = next(expertSocket, "user-joined");
    const existing = next(techSocket, "existing-users");
    techSocket.emit("join-call", { callId, userId: "user1", role: "Technician" });
    assert.equal((await joined).userId, "user1");
    const users = (await existing).users as { userId: string; username: string }[];
    assert.deepEqual(users.map((u) => [u.userId, u.username]), [["user2", "user2"]]);

    // A payload naming someone else is still refused: identity comes from the token.
    const refused = await send(techSocket, "register", { userId: "user2" });
    assert.equal(!refused.ok && refused.error.code, "FORBIDDEN");
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

Deno.test("a user deleted and created again under the same name is a new user", async () => {
  const server = await startTestServer({ MOBIMAINT_GRACE_MS: "200" });
  const sockets: Client[] = [];
  try {
    const admin = await login(server.url, "admin", ADMIN_PASSWORD);
    const create = () =>
      api(server.url, "POST", "/api/users", {
        token: admin.token,
        body: { username: "zed", password: "zed-password-1", role: "Expert" },
      });
    assert.equal((await create()).status, 200);
    const tech = await login(server.url, "user1", "P");
    const oldZed = await login(server.url, "zed", "zed-password-1");
    assert.equal(oldZed.userId, "zed");
    const techSocket = await connect(server.url, tech.token);
    const oldSocket = await connect(server.url, oldZed.token);
    sockets.push(techSocket, oldSocket);
    const { callId } =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body;
    await connectCall(callId, techSocket, oldSocket, "zed");

    const dropped = new Promise((resolve) => oldSocket.once("disconnect", resolve));
    const left = next(techSocket, "user-left", 5000);
    assert.equal((await api(server.url, "DELETE", "/api/users/zed", { token: admin.token })).status, 200);
    await dropped;
    assert.deepEqual(
      await left,
      { userId: "zed", callId },
      "the deleted user leaves the call after the grace",
    );
    assert.equal((await create()).status, 200);

    // The old token does not come back to life with the new user.
    const stale = await api(server.url, "GET", "/api/history", { token: oldZed.token });
    assert.equal(stale.status, 401);
    await assert.rejects(() => connect(server.url, oldZed.token), /UNAUTHORIZED/);

    // The new zed: no history, no access to the old call, cannot enter or signal into it.
    const newZed = await login(server.url, "zed", "zed-password-1");
    assert.equal(newZed.userId, "zed");
    assert.deepEqual((await api(server.url, "GET", "/api/history", { token: newZed.token })).body.calls, []);
    const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: newZed.token });
    assert.equal(detail.status, 403);
    const newSocket = await connect(server.url, newZed.token);
    sockets.push(newSocket);
    const join = await send(newSocket, "join-call", { callId });
    assert.equal(!join.ok && join.error.code, "FORBIDDEN");
    const offer = await send(newSocket, "offer", {
      callId,
      to: "user1",
      offer: { type: "offer", sdp: "v=0" },
    });
    assert.equal(!offer.ok && offer.error.code, "FORBIDDEN");
    const note = await send(newSocket, "annotation", { callId, id: "x", text: "x", x: 0, y: 0 });
    assert.equal(!note.ok && note.error.code, "FORBIDDEN");

    // The technician still sees the call, and new calls with the new zed work.
    assert.equal((await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token })).status, 200);
    const second =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const rung = next(newSocket, "call-request", 5000, (p) => p.callId === second);
    assert.equal((await send(techSocket, "call-request", { callId: second, to: "zed" })).ok, true);
    await rung;
    assert.equal((await send(newSocket, "call-response", { callId: second, accepted: true })).ok, true);
    const history = (await api(server.url, "GET", "/api/history", { token: newZed.token })).body.calls;
    assert.deepEqual(history.map((c: { callId: string }) => c.callId), [second]);
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});
