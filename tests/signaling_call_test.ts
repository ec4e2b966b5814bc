import assert from "node:assert/strict";
import { acceptAsOldClient } from "./helpers/calls.ts";
import { api, loginAll, startTestServer } from "./helpers/server.ts";
import { assertRoundTrip, collect, connect, next, send, type Sent } from "./helpers/sockets.ts";

Deno.test("a complete call between a Technician and an Expert", async (t) => {
  const server = await startTestServer();
  const { tech, expert } = await loginAll(server.url);
  const techSocket = await connect(server.url, tech.token);
  const cleanup = [techSocket];
  try {
    let callId = "";
    let expertSocket!: Awaited<ReturnType<typeof connect>>;

    await t.step("presence: the technician sees the expert come online, available", async () => {
      const status = next(techSocket, "user-status-change", 3000, (p) => p.userId === expert.userId);
      expertSocket = await connect(server.url, expert.token);
      cleanup.push(expertSocket);
      assert.deepEqual(await status, { userId: expert.userId, status: "online", availability: "available" });
      const reg = await send(expertSocket, "register", { userId: expert.userId });
      assert.deepEqual(reg, { ok: true, userId: expert.userId, role: "Expert" });
      const dir = await api(server.url, "GET", "/api/experts", { token: tech.token });
      const me = dir.body.experts.find((e: { id: string }) => e.id === expert.userId);
      assert.equal(me.status, "online");
      assert.equal(me.availability, "available");
    });

    await t.step("create-call over REST, call-request rings the expert", async () => {
      callId =
        (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      const ring = next(expertSocket, "call-request");
      const busy = next(techSocket, "user-status-change", 3000, (p) => p.userId === expert.userId);
      const ack = await send(techSocket, "call-request", { callId, from: tech.userId, to: expert.userId });
      assert.equal(ack.ok, true);
      assert.deepEqual(await ring, { callId, from: tech.userId, fromUsername: "user1" });
      assert.equal((await busy).availability, "busy", "ringing makes the expert busy");
    });

    await t.step("accept: technician told, expert in the room; technician joins", async () => {
      const response = next(techSocket, "call-response");
      const expertExisting = next(expertSocket, "existing-users");
      const ack = await acceptAsOldClient(expertSocket, callId, expert.userId, tech.userId);
      assert.deepEqual(ack, { ok: true, callId, status: "active" });
      assert.deepEqual(await response, { callId, from: expert.userId, accepted: true });
      assert.deepEqual((await expertExisting).users, []);

      const joined = next(expertSocket, "user-joined");
      const existingUsers = next(techSocket, "existing-users");
      const existingAnnotations = next(techSocket, "existing-annotations");
      const join = await send(techSocket, "join-call", { callId, userId: tech.userId, role: "Technician" });
      assert.equal(join.ok, true);
      const j = await joined;
      assert.equal(j.userId, tech.userId);
      assert.equal(j.role, "Technician");
      assert.equal(j.socketId, techSocket.id);
      assert.equal(j.totalUsers, 2);
      assert.deepEqual((await existingUsers).users, [{
        userId: expert.userId,
        username: "user2",
        role: "Expert",
      }]);
      assert.deepEqual((await existingAnnotations).annotations, []);
    });

    await t.step("offer / answer / ICE relayed both ways, stamped with the sender", async () => {
      await assertRoundTrip(
        { socket: techSocket, userId: tech.userId },
        { socket: expertSocket, userId: expert.userId },
        callId,
      );

      const candidate = {
        candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        sdpMid: "0",
        sdpMLineIndex: 0,
      };
      for (
        const [a, b, to] of [[techSocket, expertSocket, expert.userId], [
          expertSocket,
          techSocket,
          tech.userId,
        ]] as const
      ) {
        const got = next(b, "ice-candidate");
        assert.equal((await send(a, "ice-candidate", { callId, candidate, to })).ok, true);
        assert.deepEqual((await got).candidate, candidate);
      }
      const endOfCandidates = next(expertSocket, "ice-candidate");
      await send(techSocket, "ice-candidate", { callId, candidate: null, to: expert.userId });
      assert.equal((await endOfCandidates).candidate, null);
    });

    await t.step("annotations of every kind and chat, both ways", async () => {
      const kinds: Omit<Sent<"annotation">, "callId">[] = [
        { id: "a-pin", text: "Check this valve", x: 0.25, y: 0.5, kind: "pin" },
        {
          id: "a-stroke",
          text: "",
          x: 0.1,
          y: 0.1,
          kind: "stroke",
          points: [[0.1, 0.1], [0.2, 0.15], [0.3, 0.2]],
          color: "#ff0000",
          width: 0.01,
        },
        {
          id: "a-arrow",
          text: "",
          x: 0.4,
          y: 0.4,
          kind: "arrow",
          points: [[0.4, 0.4], [0.6, 0.6]],
          color: "#00ff00",
        },
        { id: "a-rect", text: "", x: 0.2, y: 0.2, kind: "rect", points: [[0.2, 0.2], [0.5, 0.6]] },
        { id: "a-ellipse", text: "", x: 0.7, y: 0.7, kind: "ellipse", points: [[0.6, 0.6], [0.8, 0.9]] },
      ];
      const received = collect(techSocket, "annotation");
      for (const a of kinds) {
        const ack = await send(expertSocket, "annotation", { callId, from: expert.userId, ...a });
        assert.deepEqual(ack, { ok: true, id: a.id });
      }
      const fromTech = next(expertSocket, "annotation");
      await send(techSocket, "annotation", { callId, id: "t-pin", text: "here?", x: 0.9, y: 0.1 });
      assert.equal((await fromTech).from, tech.userId);
      // Upsert keeps the first position.
      await send(expertSocket, "annotation", { callId, ...kinds[0], text: "Check this valve (edited)" });
      while (received.length < 6) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(received.map((a) => a.id), [...kinds.map((k) => k.id), "a-pin"]);
      assert.ok(received.every((a) => a.from === expert.userId && a.callId === callId));

      const deleted = next(techSocket, "annotation-deleted");
      assert.equal((await send(expertSocket, "annotation-delete", { callId, id: "a-rect" })).ok, true);
      assert.deepEqual(await deleted, { callId, id: "a-rect", from: expert.userId });

      const chatToExpert = next(expertSocket, "chat");
      const chatAck = await send(techSocket, "chat", { callId, id: "m1", text: "Hello expert" });
      assert.equal(chatAck.ok, true);
      const msg = await chatToExpert;
      assert.equal(msg.text, "Hello expert");
      assert.equal(msg.from, tech.userId);
      assert.equal(typeof msg.at, "number");
      const chatToTech = next(techSocket, "chat");
      await send(expertSocket, "chat", { callId, id: "m2", text: "Hello technician" });
      assert.equal((await chatToTech).from, expert.userId);
    });

    await t.step("a late re-join gets annotations in order and the chat", async () => {
      const third = await connect(server.url, tech.token);
      cleanup.push(third);
      const anns = next(third, "existing-annotations");
      const chat = next(third, "existing-chat");
      assert.equal((await send(third, "join-call", { callId })).ok, true);
      assert.deepEqual(
        (await anns).annotations.map((a: { id: string }) => a.id),
        ["a-pin", "a-stroke", "a-arrow", "a-ellipse", "t-pin"],
      );
      assert.equal((await anns).annotations[0].text, "Check this valve (edited)");
      assert.deepEqual((await chat).messages.map((m: { text: string }) => m.text), [
        "Hello expert",
        "Hello technician",
      ]);
      third.close();
    });

    await t.step("end-call: the other side is told, the last leaver ends the call", async () => {
      const ended = next(expertSocket, "call-ended");
      const success = next(techSocket, "call-ended-successfully");
      const ack = await send(techSocket, "end-call", { callId });
      assert.equal(ack.ok, true);
      assert.deepEqual(await ended, { from: tech.userId, callId });
      assert.equal((await success).callId, callId);
      const mid = await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token });
      assert.equal(mid.body.status, "active", "the expert is still in it");
      await send(expertSocket, "end-call", { callId });
      const done = await api(server.url, "GET", `/api/calls/${callId}`, { token: expert.token });
      assert.equal(done.body.status, "ended");
      assert.equal(done.body.endReason, "completed");
      assert.deepEqual(done.body.timeline.map((e: { type: string }) => e.type), [
        "created",
        "ringing",
        "accepted",
        "joined",
        "left",
        "left",
        "ended",
      ]);
    });

    await t.step("history shows the call with its annotations and chat", async () => {
      for (const token of [tech.token, expert.token]) {
        const h = await api(server.url, "GET", "/api/history", { token });
        assert.equal(h.body.calls[0].callId, callId);
      }
      const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: expert.token });
      assert.equal(detail.body.annotations.length, 5);
      assert.equal(detail.body.chat.length, 2);
      assert.ok(detail.body.duration >= 0);
    });
  } finally {
    for (const s of cleanup) s.close();
    await server.close();
  }
});
