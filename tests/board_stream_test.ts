/**
 * The board stream (namespace `/board`): a call page's second, receive-only connection that gets copies
 * of the call's new annotations and chat. Only the call's other participants get them; a token is
 * required, and checked again on every reconnection (never resumed); events sent to it are refused; a
 * sign-out closes it.
 */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { api, login, startTestServer } from "./helpers/server.ts";
import {
  type Client,
  collect,
  connect,
  dropAndHold,
  next,
  nextRaw,
  send,
  sendRaw,
  silent,
} from "./helpers/sockets.ts";

const pin = (id: string) => ({ id, kind: "pin" as const, x: 0.25, y: 0.5, color: "#ff3b30", text: "valve" });

Deno.test("board stream: copies of a call's annotations and chat, to its other participants only", async (t) => {
  const server = await startTestServer();
  const sockets: Client[] = [];
  const open = async (token: string | undefined, namespace = "/board") => {
    const s = await connect(`${server.url}${namespace}`, token);
    sockets.push(s);
    return s;
  };
  try {
    const tech = await login(server.url, "user1", "P");
    const expert = await login(server.url, "user2", "P");
    const outsider = await login(server.url, "user4", "P");
    const techSocket = await open(tech.token, "/");
    const expertSocket = await open(expert.token, "/");
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    const techBoard = await open(tech.token);
    const expertBoard = await open(expert.token);
    const outsiderBoard = await open(outsider.token);
    const outsiderSaw = [...collect(outsiderBoard, "annotation"), ...collect(outsiderBoard, "chat")];
    const expertOwn = collect(expertBoard, "annotation");

    await t.step(
      "the expert's new annotation: on the technician's board stream, as on its signaling",
      async () => {
        const onBoard = next(techBoard, "annotation");
        const onSignaling = next(techSocket, "annotation");
        const ack = await send(expertSocket, "annotation", { callId, ...pin("a1") });
        assert.equal(ack.ok, true);
        const expected = { callId, ...pin("a1"), from: expert.userId };
        assert.deepEqual(await onBoard, expected);
        assert.deepEqual(await onSignaling, expected);
      },
    );

    await t.step("chat both ways, each to the other participant's board stream", async () => {
      const onTech = next(techBoard, "chat");
      assert.equal((await send(expertSocket, "chat", { callId, id: "c1", text: "Open the cover" })).ok, true);
      const m = await onTech;
      assert.equal(m.callId, callId);
      assert.equal(m.id, "c1");
      assert.equal(m.from, expert.userId);
      assert.equal(m.text, "Open the cover");
      const onExpert = next(expertBoard, "chat");
      assert.equal((await send(techSocket, "chat", { callId, id: "c2", text: "Done" })).ok, true);
      assert.equal((await onExpert).from, tech.userId);
    });

    await t.step("nothing to the author's own board stream, nor to anyone outside the call", async () => {
      await send(expertSocket, "annotation", { callId, ...pin("a2") });
      await silent(expertBoard, "annotation", 300);
      assert.deepEqual(expertOwn, []);
      assert.deepEqual(outsiderSaw, []);
    });

    await t.step("nothing is kept for replay: a board session is never resumed", () => {
      const kept = (namespace: string) =>
        (server.signaling.io.of(namespace).adapter as unknown as { packets: unknown[] }).packets.length;
      assert.ok(kept("/") > 0, "the signaling namespace keeps its broadcasts");
      assert.equal(kept("/board"), 0);
    });

    await t.step("an annotation the server refuses is not copied", async () => {
      const outsiderSocket = await open(outsider.token, "/");
      const ack = await send(outsiderSocket, "annotation", { callId, ...pin("intruder") });
      assert.equal(ack.ok, false);
      assert.equal(ack.error.code, "FORBIDDEN");
      await silent(techBoard, "annotation", 300);
    });

    await t.step("no token, a bad token: refused", async () => {
      for (const token of [undefined, "not-a-token"]) {
        await assert.rejects(open(token), (e: Error & { data?: { code: string } }) => {
          assert.equal(e.message, "UNAUTHORIZED");
          assert.equal(e.data?.code, "UNAUTHORIZED");
          return true;
        });
      }
    });

    await t.step("an event sent to it: a clear error, then the connection is closed", async () => {
      const probe = await open(tech.token);
      const error = nextRaw(probe, "error");
      const closed = nextRaw(probe, "disconnect");
      const ack = await sendRaw(probe, "annotation", { callId, ...pin("by-board") });
      assert.deepEqual(ack, {
        ok: false,
        error: { code: "BAD_REQUEST", message: "The board stream only sends; use the signaling socket" },
      });
      assert.equal((await error as { event: string }).event, "annotation");
      assert.equal(await closed, "io server disconnect");
      await silent(expertSocket, "annotation", 200);
    });

    await t.step(
      "a reconnection is a new session, checked again: a signed-out token gets nothing",
      async () => {
        const board = await open(tech.token);
        // An event first, so the client has an offset to resume from (as a page does after a copy).
        const first = next(board, "annotation");
        await send(expertSocket, "annotation", { callId, ...pin("a3") });
        await first;
        const resume = dropAndHold(board);
        const back = await login(server.url, "user1", "P"); // the same user, signed in again meanwhile
        assert.equal((await api(server.url, "POST", "/logout", { token: tech.token })).status, 200);
        const refused = nextRaw(board, "connect_error");
        resume().catch(() => {});
        assert.equal((await refused as Error).message, "UNAUTHORIZED");
        // Another connection of the same user with a valid token still gets its copies.
        const fresh = await open(back.token);
        const onFresh = next(fresh, "annotation");
        await send(expertSocket, "annotation", { callId, ...pin("a4") });
        assert.equal((await onFresh).id, "a4");
        assert.equal(board.connected, false);
      },
    );

    await t.step("a sign-out closes that sign-in's board stream", async () => {
      const closed = nextRaw(expertBoard, "disconnect");
      assert.equal((await api(server.url, "POST", "/logout", { token: expert.token })).status, 200);
      assert.equal(await closed, "io server disconnect");
    });
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});
