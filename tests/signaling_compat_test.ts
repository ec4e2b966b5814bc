/**
 * The old mobile client's flow through the signaling server, with the compat events and fields only
 * (plus the token).
 */
import assert from "node:assert/strict";
import { api } from "./helpers/server.ts";
import { next } from "./helpers/sockets.ts";
import { setup } from "./helpers/signaling_setup.ts";

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
