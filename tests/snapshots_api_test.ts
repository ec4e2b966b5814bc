/**
 * Snapshots over REST and Socket.IO against real servers: upload and read back, wrong types, size,
 * dimension and count limits (early on Content-Length and while streaming), foreign users, unknown and
 * ended calls, freeze/unfreeze to the room and to late joiners, a restart keeping images, the retention
 * sweep removing them, and two nodes sharing one Redis.
 */
import assert from "node:assert/strict";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { gif, jpeg, png } from "./helpers/images.ts";
import { startTwoNodes } from "./helpers/redis.ts";
import { api, login, readResponse, startTestServer } from "./helpers/server.ts";
import { connect, next, send, sendRaw } from "./helpers/sockets.ts";

function upload(
  base: string,
  callId: string,
  token: string | undefined,
  body: Uint8Array | ReadableStream<Uint8Array>,
  type = "image/png",
) {
  const headers: Record<string, string> = { "content-type": type };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${base}/api/calls/${encodeURIComponent(callId)}/snapshots`, {
    method: "POST",
    headers,
    body: body as BodyInit,
  })
    .then(readResponse);
}

async function getBytes(base: string, path: string, token?: string) {
  const res = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** A body sent in chunks with no Content-Length (chunked transfer). */
function streamed(total: number, chunk = 16 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= total) return ctrl.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      ctrl.enqueue(new Uint8Array(n).fill(7));
    },
  });
}

Deno.test("snapshots over REST and sockets: one node (Deno KV, files)", async (t) => {
  const env = {
    MOBIMAINT_LIMIT_SNAPSHOT_BYTES: "100000",
    MOBIMAINT_LIMIT_SNAPSHOTS: "4",
    MOBIMAINT_LIMIT_SNAPSHOT_SIDE: "4096",
    // About 1.7 s, swept every 200 ms: the retention step below moves the clock past it.
    MOBIMAINT_SNAPSHOT_RETENTION_DAYS: "0.00002",
    MOBIMAINT_SNAPSHOT_SWEEP_MS: "200",
  };
  const clock = new FakeClock();
  let server = await startTestServer(env, undefined, { clock });
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  const stranger = await login(server.url, "user4", "P");
  const admin = await login(server.url, "admin", "admin-test-pw");
  const sockets = [techSocket, expertSocket];
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    const image = png(1280, 720, [30, 120, 200]);
    let first = { id: "", url: "" };

    await t.step("upload: 201 {id, url, width, height}, announced to the room, same bytes back", async () => {
      const announced = next(expertSocket, "snapshot-added");
      const r = await upload(server.url, callId, tech.token, image);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual([r.body.width, r.body.height, r.body.type], [1280, 720, "image/png"]);
      assert.equal(r.body.url, `/api/calls/${callId}/snapshots/${r.body.id}`);
      first = r.body;
      assert.equal((await announced).id, r.body.id);
      for (const who of [tech, expert, admin]) {
        const got = await getBytes(server.url, r.body.url, who.token);
        assert.equal(got.status, 200);
        assert.deepEqual(got.bytes, image);
        assert.equal(got.headers.get("content-type"), "image/png");
        assert.equal(got.headers.get("x-content-type-options"), "nosniff");
        assert.match(got.headers.get("cache-control")!, /^private/);
      }
      const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: expert.token });
      assert.deepEqual(detail.body.snapshots.map((s: { id: string }) => s.id), [r.body.id]);
    });

    await t.step("foreign users, no token, unknown call or snapshot", async () => {
      assert.equal((await upload(server.url, callId, stranger.token, png(2, 2))).status, 403);
      assert.equal((await upload(server.url, callId, admin.token, png(2, 2))).status, 403);
      assert.equal((await upload(server.url, callId, undefined, png(2, 2))).status, 401);
      assert.equal((await getBytes(server.url, first.url, stranger.token)).status, 403);
      assert.equal((await getBytes(server.url, first.url)).status, 401);
      assert.equal((await upload(server.url, "call_nope", tech.token, png(2, 2))).status, 404);
      assert.equal(
        (await getBytes(server.url, `/api/calls/call_nope/snapshots/${first.id}`, tech.token)).status,
        404,
      );
      assert.equal(
        (await getBytes(server.url, `/api/calls/${callId}/snapshots/snap_nope`, tech.token)).status,
        404,
      );
      const list = await api(server.url, "GET", `/api/calls/${callId}/snapshots`, { token: stranger.token });
      assert.equal(list.status, 403);
    });

    await t.step("wrong types: 415 with {message, code}", async () => {
      for (
        const [body, type] of [[png(2, 2), "text/plain"], [await jpeg(), "image/png"], [
          await gif(),
          "image/gif",
        ], [
          await gif(),
          "image/webp",
        ], [new TextEncoder().encode("<svg/>"), "image/svg+xml"]] as const
      ) {
        const r = await upload(server.url, callId, expert.token, body as Uint8Array, type);
        assert.equal(r.status, 415, `${type}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, "BAD_REQUEST");
        assert.equal(typeof r.body.message, "string");
      }
    });

    await t.step("size: 413 on Content-Length and while streaming; 422 past the side limit", async () => {
      const big = await upload(server.url, callId, tech.token, new Uint8Array(150_000));
      assert.equal(big.status, 413);
      assert.equal(big.body.code, "PAYLOAD_TOO_LARGE");
      const stream = await upload(server.url, callId, tech.token, streamed(400_000));
      assert.equal(stream.status, 413);
      const wide = await upload(server.url, callId, tech.token, png(5000, 1));
      assert.equal(wide.status, 422);
      assert.equal(wide.body.code, "LIMIT_EXCEEDED");
      // A streamed upload within the limit is stored.
      const ok = await upload(server.url, callId, tech.token, new Blob([png(64, 64)]).stream());
      assert.equal(ok.status, 201);
    });

    await t.step("count: the fifth snapshot of a call is refused (limit 4)", async () => {
      assert.equal((await upload(server.url, callId, expert.token, await jpeg(), "image/jpeg")).status, 201);
      assert.equal((await upload(server.url, callId, tech.token, png(8, 8))).status, 201);
      const full = await upload(server.url, callId, tech.token, png(8, 8));
      assert.equal(full.status, 422);
      assert.match(full.body.message, /at most 4 snapshots/);
    });

    await t.step("freeze/unfreeze reach the room; strangers and bad payloads are refused", async () => {
      const seen = sockets.map((s) => next(s, "frame-frozen"));
      const r = await send(expertSocket, "freeze", { callId, snapshotId: first.id });
      assert.equal(r.ok, true);
      for (const p of await Promise.all(seen)) {
        assert.deepEqual([p.snapshotId, p.url, p.width, p.height, p.from], [
          first.id,
          first.url,
          1280,
          720,
          expert.userId,
        ]);
      }
      const other = await connect(server.url, stranger.token);
      sockets.push(other);
      assert.equal((await send(other, "freeze", { callId, snapshotId: first.id })).error.code, "FORBIDDEN");
      assert.equal(
        (await send(other, "capture-request", { callId, purpose: "freeze" })).error.code,
        "FORBIDDEN",
      );
      assert.equal(
        (await send(techSocket, "freeze", { callId, snapshotId: "snap_nope" })).error.code,
        "NOT_FOUND",
      );
      assert.equal((await sendRaw(techSocket, "freeze", { callId })).error.code, "BAD_REQUEST");
      assert.equal((await send(techSocket, "unfreeze", { callId: "call_nope" })).error.code, "NOT_FOUND");
      const asked = next(techSocket, "capture-requested");
      assert.equal((await send(expertSocket, "capture-request", { callId, purpose: "snapshot" })).ok, true);
      assert.deepEqual(await asked, { callId, from: expert.userId, purpose: "snapshot" });
    });

    await t.step("a late joiner gets the frozen frame; restart keeps images and the freeze", async () => {
      const late = await connect(server.url, tech.token);
      sockets.push(late);
      const frozen = next(late, "frame-frozen");
      assert.equal((await send(late, "join-call", { callId })).ok, true);
      assert.equal((await frozen).snapshotId, first.id);
      sockets.forEach((s) => s.close());
      const dir = server.dataDir;
      await server.close();
      server = await startTestServer(env, dir, { clock });
      const got = await getBytes(server.url, first.url, expert.token);
      assert.equal(got.status, 200);
      assert.deepEqual(got.bytes, image);
      const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token });
      assert.equal(detail.body.snapshots.length, 4);
      assert.equal(detail.body.frozen.snapshotId, first.id);
      const again = await connect(server.url, tech.token);
      sockets.push(again);
      assert.equal((await send(again, "join-call", { callId })).ok, true);
      const unfrozen = next(again, "frame-unfrozen");
      assert.equal((await send(again, "unfreeze", { callId })).ok, true);
      assert.equal((await unfrozen).from, tech.userId);
    });

    await t.step(
      "ended call: no uploads or freezes; images readable until the retention sweep removes them",
      async () => {
        assert.equal(
          (await api(server.url, "POST", `/api/calls/${callId}/end`, { token: tech.token, body: {} })).status,
          200,
        );
        const late = await upload(server.url, callId, tech.token, png(2, 2));
        assert.equal(late.status, 409);
        const socket = await connect(server.url, expert.token);
        sockets.push(socket);
        assert.equal((await send(socket, "freeze", { callId, snapshotId: first.id })).error.code, "CONFLICT");
        const capture = await send(socket, "capture-request", { callId, purpose: "freeze" });
        assert.equal(capture.error.code, "CONFLICT");
        assert.equal((await getBytes(server.url, first.url, tech.token)).status, 200, "kept for the report");
        await clock.advance(1400);
        assert.equal(
          (await getBytes(server.url, first.url, tech.token)).status,
          200,
          "kept within the retention",
        );
        await clock.advance(600);
        assert.equal((await getBytes(server.url, first.url, tech.token)).status, 404, "removed past it");
        const detail = await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token });
        assert.deepEqual(detail.body.snapshots, []);
        assert.equal(detail.body.timeline.at(-1).type, "snapshots-removed");
      },
    );
  } finally {
    sockets.forEach((s) => s.close());
    await server.close();
  }
});

Deno.test("snapshots on two nodes sharing one Redis: upload on A, read and freeze on B", async () => {
  const { a, b, close } = await startTwoNodes();
  const sockets: Awaited<ReturnType<typeof connect>>[] = [];
  try {
    const { tech, expert, techSocket, expertSocket } = await connectPair(a.url, b.url);
    sockets.push(techSocket, expertSocket);
    const callId = await startActiveCall(a.url, tech.token, techSocket, expertSocket, expert.userId);
    const announced = next(expertSocket, "snapshot-added");
    const image = png(320, 240);
    const r = await upload(a.url, callId, tech.token, image);
    assert.equal(r.status, 201);
    assert.equal((await announced).id, r.body.id, "announced on the other node's socket");
    assert.deepEqual((await getBytes(b.url, r.body.url, expert.token)).bytes, image);
    const frozen = next(techSocket, "frame-frozen");
    assert.equal((await send(expertSocket, "freeze", { callId, snapshotId: r.body.id })).ok, true);
    assert.equal((await frozen).snapshotId, r.body.id);
  } finally {
    sockets.forEach((s) => s.close());
    await close();
  }
});

Deno.test("snapshot uploads are rate limited per user (429 after 20 in 10 s)", async () => {
  const server = await startTestServer({ MOBIMAINT_LIMIT_SNAPSHOTS: "100" });
  const { tech, expert, techSocket, expertSocket } = await connectPair(server.url);
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    // All at once, so they fall in one 10 s window however slow the machine is.
    const all = await Promise.all(
      Array.from({ length: 21 }, () => upload(server.url, callId, tech.token, png(4, 4))),
    );
    assert.deepEqual(all.map((r) => r.status).sort(), [...Array(20).fill(201), 429]);
    assert.equal(all.find((r) => r.status === 429)!.body.code, "RATE_LIMITED");
    assert.equal((await upload(server.url, callId, expert.token, png(4, 4))).status, 201, "per user");
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
