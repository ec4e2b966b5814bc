import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { api, login, loginAll, startTestServer } from "./helpers/server.ts";
import {
  type Client,
  connect,
  next,
  type Outgoing,
  send,
  sendRaw,
  type Sent,
  silent,
} from "./helpers/sockets.ts";

/** A server with a technician and an expert in an active call. */
async function activeCall(env: Record<string, string> = {}) {
  const server = await startTestServer(env);
  const { tech, expert, admin } = await loginAll(server.url);
  const outsider = await login(server.url, "user3", "p3");
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  const outsiderSocket = await connect(server.url, outsider.token);
  const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
  const sockets: Client[] = [techSocket, expertSocket, outsiderSocket];
  return {
    server,
    tech,
    expert,
    admin,
    outsider,
    techSocket,
    expertSocket,
    outsiderSocket,
    callId,
    sockets,
    close: async () => {
      for (const s of sockets) s.close();
      await server.close();
    },
  };
}

/** A well-formed `event` that the server refuses (rights, state). */
function refused<E extends Outgoing>(socket: Client, event: E, payload: Sent<E>, code: string) {
  return refusedRaw(socket, event, payload, code);
}

/** `event` with any payload (malformed on purpose) is refused with `code`, by ack and by an `error` event. */
async function refusedRaw(socket: Client, event: string, payload: unknown, code: string) {
  const err = next(socket, "error");
  const ack = await sendRaw(socket, event, payload);
  assert.equal(ack.ok, false, `${event} should be refused`);
  if (ack.ok) return;
  assert.equal(ack.error.code, code, `${event}: ${ack.error.message}`);
  const e = await err;
  assert.equal(e.code, code);
  assert.equal(e.event, event);
  assert.equal(typeof e.message, "string");
}

Deno.test("handshake: no token, bad token and revoked token are refused with UNAUTHORIZED", async () => {
  const server = await startTestServer();
  try {
    const tech = await login(server.url, "user1", "P");
    for (const token of [undefined, "garbage", tech.token.slice(0, -3) + "abc"]) {
      await assert.rejects(connect(server.url, token), (e: Error) => e.message === "UNAUTHORIZED");
    }
    const ok = await connect(server.url, tech.token);
    ok.close();
    await api(server.url, "POST", "/logout", { token: tech.token });
    await assert.rejects(connect(server.url, tech.token), (e: Error) => e.message === "UNAUTHORIZED");
    // The session cookie works for same-origin pages.
    const again = await login(server.url, "user1", "P");
    const viaCookie = await connect(server.url, undefined, {
      extraHeaders: { cookie: `mobimaint_session=${again.token}` },
    });
    assert.equal(viaCookie.connected, true);
    viaCookie.close();
  } finally {
    await server.close();
  }
});

Deno.test("signaling refusals: validation, impersonation, non-participants, busy and offline", async (t) => {
  const c = await activeCall({ MOBIMAINT_LIMIT_SDP_BYTES: "1000", MOBIMAINT_LIMIT_POINTS: "10" });
  const { techSocket, expertSocket, outsiderSocket, callId, tech, expert, outsider } = c;
  try {
    await t.step("missing fields and wrong types → BAD_REQUEST, nothing changes", async () => {
      await refusedRaw(techSocket, "offer", { callId, to: expert.userId }, "BAD_REQUEST");
      await refusedRaw(
        techSocket,
        "offer",
        { callId, to: 42, offer: { type: "offer", sdp: "x" } },
        "BAD_REQUEST",
      );
      await refusedRaw(techSocket, "annotation", { callId, id: "a", text: "t", x: "1", y: 2 }, "BAD_REQUEST");
      await refusedRaw(techSocket, "annotation", { callId, id: "a", text: "t", x: NaN, y: 2 }, "BAD_REQUEST");
      await refusedRaw(
        techSocket,
        "annotation",
        { callId, id: "a", text: "", x: 0, y: 0, kind: "stroke" },
        "BAD_REQUEST",
      );
      await refusedRaw(techSocket, "chat", { callId, id: "m", text: "" }, "BAD_REQUEST");
      await refusedRaw(techSocket, "join-call", "not an object", "BAD_REQUEST");
      await refusedRaw(techSocket, "call-response", { callId, accepted: "yes" }, "BAD_REQUEST");
      const detail = await api(c.server.url, "GET", `/api/calls/${callId}`, { token: tech.token });
      assert.deepEqual(detail.body.annotations, []);
      assert.deepEqual(detail.body.chat, []);
    });

    await t.step("oversize: SDP over the limit and too many points are refused", async () => {
      await refusedRaw(
        techSocket,
        "offer",
        { callId, to: expert.userId, offer: { type: "offer", sdp: "x".repeat(1001) } },
        "BAD_REQUEST",
      );
      const points = Array.from({ length: 11 }, (_, i) => [i / 20, i / 20]);
      await refusedRaw(techSocket, "annotation", {
        callId,
        id: "s",
        text: "",
        x: 0,
        y: 0,
        kind: "stroke",
        points,
      }, "BAD_REQUEST");
    });

    await t.step("impersonation: from / userId of another user → FORBIDDEN", async () => {
      await refused(techSocket, "register", { userId: expert.userId }, "FORBIDDEN");
      await refused(techSocket, "join-call", { callId, userId: expert.userId }, "FORBIDDEN");
      await refused(
        techSocket,
        "annotation",
        { callId, id: "x", text: "t", x: 0, y: 0, from: expert.userId },
        "FORBIDDEN",
      );
      await refused(
        techSocket,
        "call-request",
        { callId, from: expert.userId, to: outsider.userId },
        "FORBIDDEN",
      );
      await refused(
        expertSocket,
        "call-response",
        { callId, from: tech.userId, accepted: true },
        "FORBIDDEN",
      );
    });

    await t.step("non-participants cannot relay, join, annotate or chat", async () => {
      const offer = { type: "offer" as const, sdp: "v=0" };
      await refused(outsiderSocket, "offer", { callId, offer, to: tech.userId }, "FORBIDDEN");
      await refused(techSocket, "offer", { callId, offer, to: outsider.userId }, "FORBIDDEN");
      await silent(outsiderSocket, "offer", 200);
      await refused(outsiderSocket, "join-call", { callId }, "FORBIDDEN");
      await refused(outsiderSocket, "annotation", { callId, id: "o", text: "t", x: 0, y: 0 }, "FORBIDDEN");
      await refused(outsiderSocket, "chat", { callId, id: "o", text: "hi" }, "FORBIDDEN");
      await refused(outsiderSocket, "annotation-clear", { callId }, "FORBIDDEN");
      await refused(outsiderSocket, "join-call", { callId: "call_unknown" }, "NOT_FOUND");
    });

    await t.step("ringing: busy, offline, non-Expert targets; Experts cannot ring", async () => {
      const second =
        (await api(c.server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      await refused(techSocket, "call-request", { callId: second, to: expert.userId }, "CONFLICT"); // busy: in a call
      const user4 = (await api(c.server.url, "GET", "/api/experts", { token: tech.token })).body.experts
        .find((e: { username: string }) => e.username === "user4");
      await refused(techSocket, "call-request", { callId: second, to: user4.id }, "CONFLICT"); // offline
      await refused(techSocket, "call-request", { callId: second, to: tech.userId }, "BAD_REQUEST"); // not an Expert
      await refused(outsiderSocket, "call-request", { callId: second, to: expert.userId }, "FORBIDDEN"); // not creator
      await refused(techSocket, "call-request", { callId: "call_unknown", to: outsider.userId }, "NOT_FOUND");
      // Ringing the outsider works; a second ring on the same call does not.
      assert.equal(
        (await send(techSocket, "call-request", { callId: second, to: outsider.userId })).ok,
        true,
      );
      await refused(techSocket, "call-request", { callId: second, to: outsider.userId }, "CONFLICT");
      await refused(expertSocket, "call-response", { callId: second, accepted: true }, "FORBIDDEN"); // not rung
    });

    await t.step("annotation limit per call → LIMIT_EXCEEDED", async () => {
      // The limit is checked against the stored count; use a fresh server with a tiny limit.
      const small = await activeCall({ MOBIMAINT_LIMIT_ANNOTATIONS: "3" });
      try {
        for (let i = 0; i < 3; i++) {
          const ack = await send(small.expertSocket, "annotation", {
            callId: small.callId,
            id: `a${i}`,
            text: "",
            x: 0,
            y: 0,
          });
          assert.equal(ack.ok, true);
        }
        await refused(small.expertSocket, "annotation", {
          callId: small.callId,
          id: "a3",
          text: "",
          x: 0,
          y: 0,
        }, "LIMIT_EXCEEDED");
        const upsert = await send(small.expertSocket, "annotation", {
          callId: small.callId,
          id: "a1",
          text: "e",
          x: 0,
          y: 0,
        });
        assert.equal(upsert.ok, true, "updating an existing one is still allowed");
      } finally {
        await small.close();
      }
    });

    await t.step(
      "a message over the socket size limit is refused (connection dropped), others unaffected",
      async () => {
        const small = await activeCall({ MOBIMAINT_LIMIT_SOCKET_BYTES: "10000" });
        try {
          const dropped = next(small.techSocket, "disconnect");
          small.techSocket.emit("chat", { callId: small.callId, id: "big", text: "x".repeat(20_000) });
          await dropped;
          const ack = await send(small.expertSocket, "chat", {
            callId: small.callId,
            id: "ok",
            text: "still here",
          });
          assert.equal(ack.ok, true);
          const detail = await api(small.server.url, "GET", `/api/calls/${small.callId}`, {
            token: small.admin.token,
          });
          assert.deepEqual(detail.body.chat.map((m: { id: string }) => m.id), ["ok"]);
        } finally {
          await small.close();
        }
      },
    );
  } finally {
    await c.close();
  }
});

Deno.test("cross-origin sockets from a non-allowed origin are refused", async () => {
  const server = await startTestServer({ MOBIMAINT_ORIGINS: "https://ops.example.test" });
  try {
    const tech = await login(server.url, "user1", "P");
    await assert.rejects(
      connect(server.url, tech.token, { extraHeaders: { origin: "https://evil.example.test" } }),
    );
    const ok = await connect(server.url, tech.token, {
      extraHeaders: { origin: "https://ops.example.test" },
    });
    ok.close();
  } finally {
    await server.close();
  }
});

Deno.test("logout over REST ends the sockets opened with that token; deleting a user ends all of theirs", async () => {
  const server = await startTestServer();
  try {
    const { admin } = await loginAll(server.url);
    const first = await login(server.url, "user1", "P");
    const second = await login(server.url, "user1", "P");
    const a = await connect(server.url, first.token);
    const b = await connect(server.url, second.token);
    const aGone = next(a, "disconnect");
    await api(server.url, "POST", "/logout", { token: first.token });
    assert.equal(await aGone, "io server disconnect");
    assert.equal(b.connected, true, "the other session stays");

    const expert = await login(server.url, "user4", "P");
    const e = await connect(server.url, expert.token);
    const eGone = next(e, "disconnect");
    assert.equal((await api(server.url, "DELETE", "/api/users/user4", { token: admin.token })).status, 200);
    assert.equal(await eGone, "io server disconnect");
    b.close();
  } finally {
    await server.close();
  }
});
