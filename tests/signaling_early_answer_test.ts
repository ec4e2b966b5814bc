/**
 * A call prepared while it rings (lib/client/call_warmup.ts): the caller's offer reaches the ringing
 * expert, and the answer the expert sends together with its acceptance reaches the caller before it
 * has joined the room — whichever of the two the server handles first. Once the caller is in the room,
 * signals go to its call sockets only, as before.
 */
import assert from "node:assert/strict";
import { api, loginAll, startTestServer } from "./helpers/server.ts";
import { connect, next, send, silent } from "./helpers/sockets.ts";

const sdp = (type: "offer" | "answer") => ({ type, sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n` });

Deno.test("an answer sent with the acceptance reaches the caller's home page; after it joins, its room only", async () => {
  const server = await startTestServer();
  const { tech, expert } = await loginAll(server.url);
  const techHome = await connect(server.url, tech.token);
  const techOther = await connect(server.url, tech.token); // e.g. a second tab
  const expertHome = await connect(server.url, expert.token);
  try {
    for (let round = 0; round < 3; round++) {
      const callId = (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body
        .callId;
      const rung = next(expertHome, "call-request");
      assert.equal((await send(techHome, "call-request", { callId, to: "user2" })).ok, true);
      await rung;

      const offer = next(expertHome, "offer");
      assert.equal((await send(techHome, "offer", { callId, to: "user2", offer: sdp("offer") })).ok, true);
      assert.deepEqual(await offer, { offer: sdp("offer"), from: "user1", callId });

      // As the expert's page does on Accept: the answer, then the acceptance, without waiting in between.
      const answered = next(techHome, "answer", 3000, (p) => p.callId === callId);
      const accepted = next(techHome, "call-response", 3000, (p) => p.callId === callId);
      expertHome.emit("answer", { callId, to: "user1", answer: sdp("answer") });
      const ack = await send(expertHome, "call-response", { callId, accepted: true });
      assert.equal(ack.ok, true);
      assert.deepEqual(await answered, { answer: sdp("answer"), from: "user2", callId });
      await accepted;

      // A candidate after the acceptance, before the caller joined: still delivered.
      const early = next(techHome, "ice-candidate");
      const candidate = { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0" };
      assert.equal((await send(expertHome, "ice-candidate", { callId, to: "user1", candidate })).ok, true);
      assert.equal((await early).callId, callId);

      // Joined with one socket: the other no longer gets this call's signals.
      assert.equal((await send(techHome, "join-call", { callId })).ok, true);
      const inRoom = next(techHome, "ice-candidate");
      const elsewhere = silent(techOther, "ice-candidate", 300);
      assert.equal((await send(expertHome, "ice-candidate", { callId, to: "user1", candidate })).ok, true);
      await inRoom;
      await elsewhere;
      await send(techHome, "end-call", { callId });
      await send(expertHome, "end-call", { callId });
    }
  } finally {
    for (const s of [techHome, techOther, expertHome]) s.close();
    await server.close();
  }
});
