/** `GET /metrics`: off by default, behind its token, and the series move during a real call. */
import assert from "node:assert/strict";
import { parseMetrics, quantile, type Sample, total } from "../lib/prometheus.ts";
import { connectPair, startActiveCall } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { startTwoNodes } from "./helpers/redis.ts";
import { png } from "./helpers/images.ts";
import { api, login, startTestServer } from "./helpers/server.ts";
import { assertRoundTrip, connect, next, send, sendRaw } from "./helpers/sockets.ts";

const TOKEN = "metrics-test-token-0123456789";

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

Deno.test("metrics: 404 when MOBIMAINT_METRICS_TOKEN is not set", async () => {
  const server = await startTestServer();
  try {
    const r = await api(server.url, "GET", "/metrics", { token: TOKEN });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: "Not found", code: "NOT_FOUND" });
  } finally {
    await server.close();
  }
});

Deno.test("metrics: a token shorter than 16 characters is refused at start", async () => {
  await assert.rejects(() => startTestServer({ MOBIMAINT_METRICS_TOKEN: "short" }), /at least 16/);
});

Deno.test("metrics: refused without the token, with a wrong one, or with a user's token", async () => {
  const server = await startTestServer({ MOBIMAINT_METRICS_TOKEN: TOKEN });
  try {
    const admin = await login(server.url, "admin", "admin-test-pw");
    for (
      const headers of <Record<string, string>[]> [
        {},
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
        { authorization: TOKEN },
        { authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
        { authorization: `Bearer ${admin.token}` },
      ]
    ) {
      const r = await api(server.url, "GET", "/metrics", { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body.code, "UNAUTHORIZED");
      assert.equal(typeof r.body.message, "string");
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer /);
    }
  } finally {
    await server.close();
  }
});

Deno.test("metrics: the series move during a real call", async () => {
  const clock = new FakeClock();
  const server = await startTestServer({ MOBIMAINT_METRICS_TOKEN: TOKEN }, undefined, { clock });
  const { url } = server;
  const sockets = [];
  try {
    const before = await scrape(url);
    assert.equal(total(before, "mobimaint_calls", { state: "active" }), 0);
    assert.equal(total(before, "mobimaint_socket_connections"), 0);
    const node = before.find((s) => s.name === "mobimaint_socket_connections")?.labels.node;
    assert.equal(node, `${Deno.hostname()}:${server.port}`, "every series names its node");
    assert.ok(total(before, "process_resident_memory_bytes") > 0, "process metrics");
    assert.equal(total(before, "mobimaint_snapshot_images"), 0);
    assert.equal(total(before, "mobimaint_snapshot_bytes"), 0);

    const tech = await login(url, "user1", "P");
    const expert = await login(url, "user2", "P");
    const techSocket = await connect(url, tech.token);
    const expertSocket = await connect(url, expert.token);
    sockets.push(techSocket, expertSocket);
    const callId = await startActiveCall(url, tech.token, techSocket, expertSocket, expert.userId);
    await assertRoundTrip(
      { socket: techSocket, userId: tech.userId },
      { socket: expertSocket, userId: expert.userId },
      callId,
    );
    // One refusal: an offer to someone outside the call.
    const refused = await send(techSocket, "offer", {
      callId,
      offer: { type: "offer", sdp: "v=0" },
      to: "user3",
    });
    assert.equal(refused.ok, false);
    const bad = await sendRaw(techSocket, "chat", { callId }); // no id, no text
    assert.equal(bad.ok, false);
    const image = png(64, 48);
    const stored = await fetch(`${url}/api/calls/${encodeURIComponent(callId)}/snapshots`, {
      method: "POST",
      headers: { authorization: `Bearer ${tech.token}`, "content-type": "image/png" },
      body: image,
    });
    assert.equal(stored.status, 201, await stored.text());
    await clock.advance(1000); // past the presence flush window
    await server.signaling.presenceSettled();

    const during = await scrape(url);
    assert.equal(total(during, "mobimaint_calls", { state: "active" }), 1, "calls active 1");
    assert.equal(total(during, "mobimaint_socket_connections"), 2);
    assert.equal(total(during, "mobimaint_relayed_messages_total", { type: "offer" }), 1);
    assert.equal(total(during, "mobimaint_relayed_messages_total", { type: "answer" }), 1);
    assert.equal(total(during, "mobimaint_socket_events_total", { event: "offer", outcome: "ok" }), 1);
    assert.equal(total(during, "mobimaint_socket_events_total", { event: "offer", outcome: "FORBIDDEN" }), 1);
    assert.equal(
      total(during, "mobimaint_socket_events_total", { event: "chat", outcome: "BAD_REQUEST" }),
      1,
    );
    assert.equal(total(during, "mobimaint_socket_events_total", { event: "call-request", outcome: "ok" }), 1);
    assert.equal(total(during, "mobimaint_socket_event_duration_seconds_count", { event: "offer" }), 2);
    assert.ok(quantile(during, "mobimaint_socket_event_duration_seconds", 0.95, { event: "join-call" })! > 0);
    assert.equal(total(during, "mobimaint_rings_total", { outcome: "accepted" }), 1);
    assert.ok(total(during, "mobimaint_presence_flush_duration_seconds_count") >= 1, "presence flushed");
    assert.ok(total(during, "mobimaint_store_operation_duration_seconds_count", { op: "updateCall" }) >= 2);
    assert.equal(total(during, "mobimaint_store_errors_total"), 0);
    assert.equal(total(during, "mobimaint_snapshot_images"), 1, "blob store usage");
    assert.equal(total(during, "mobimaint_snapshot_bytes"), image.length);
    assert.equal(total(during, "mobimaint_snapshot_calls"), 1);
    // HTTP by route pattern, never the raw path.
    assert.equal(
      total(during, "mobimaint_http_requests_total", { route: "/api/create-call", status: "200" }),
      1,
    );
    const detail = await api(url, "GET", `/api/calls/${callId}`, { token: tech.token });
    assert.equal(detail.status, 200);
    await api(url, "GET", "/api/calls/nope", { token: tech.token });
    await api(url, "GET", "/no/such/page/at/all", {});
    await api(url, "POST", "/api/users", { headers: { origin: "https://evil.example" }, body: {} });

    assert.equal((await send(techSocket, "end-call", { callId })).ok, true);
    assert.equal((await send(expertSocket, "end-call", { callId })).ok, true);
    const after = await scrape(url);
    assert.equal(total(after, "mobimaint_calls", { state: "active" }), 0);
    assert.equal(total(after, "mobimaint_calls_ended_total", { reason: "completed" }), 1);
    assert.equal(
      total(after, "mobimaint_http_requests_total", { route: "/api/calls/:id", status: "200" }),
      1,
    );
    assert.equal(
      total(after, "mobimaint_http_requests_total", { route: "/api/calls/:id", status: "404" }),
      1,
    );
    assert.equal(total(after, "mobimaint_http_requests_total", { route: "(unmatched)", status: "404" }), 1);
    assert.equal(total(after, "mobimaint_http_requests_total", { route: "(refused)", status: "403" }), 1);
    assert.ok(!after.some((s) => s.labels.route?.includes(callId)), "no raw path in a label");
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

Deno.test("metrics: rings that are not answered are counted by outcome", async () => {
  const clock = new FakeClock();
  const server = await startTestServer(
    { MOBIMAINT_METRICS_TOKEN: TOKEN, MOBIMAINT_RING_TIMEOUT_MS: "1500" },
    undefined,
    { clock },
  );
  const { url } = server;
  const tech = await login(url, "user1", "P");
  const expert = await login(url, "user2", "P");
  const techSocket = await connect(url, tech.token);
  const expertSocket = await connect(url, expert.token);
  try {
    const newCall = async () =>
      (await api(url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const declined = await newCall();
    assert.equal((await send(techSocket, "call-request", { callId: declined, to: expert.userId })).ok, true);
    assert.equal((await send(expertSocket, "call-response", { callId: declined, accepted: false })).ok, true);
    const cancelled = await newCall();
    assert.equal((await send(techSocket, "call-request", { callId: cancelled, to: expert.userId })).ok, true);
    assert.equal(total(await scrape(url), "mobimaint_calls", { state: "ringing" }), 1);
    assert.equal((await send(techSocket, "call-cancel", { callId: cancelled })).ok, true);
    const unanswered = await newCall();
    const timedOut = next(techSocket, "call-response", 5000, (p) => p.callId === unanswered);
    assert.equal(
      (await send(techSocket, "call-request", { callId: unanswered, to: expert.userId })).ok,
      true,
    );
    await clock.advance(1500);
    assert.equal((await timedOut).reason, "timeout");
    const m = await scrape(url);
    assert.equal(total(m, "mobimaint_rings_total", { outcome: "rejected" }), 1);
    assert.equal(total(m, "mobimaint_rings_total", { outcome: "cancelled" }), 1);
    assert.equal(total(m, "mobimaint_rings_total", { outcome: "timeout" }), 1);
    assert.equal(total(m, "mobimaint_calls_ended_total", { reason: "timeout" }), 1);
    assert.equal(total(m, "mobimaint_calls", { state: "ringing" }), 0);
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});

Deno.test("metrics: two nodes on Redis each report their own series under their own node label", async () => {
  const { a, b, close } = await startTwoNodes({ MOBIMAINT_METRICS_TOKEN: TOKEN });
  const { tech, expert, techSocket, expertSocket } = await connectPair(a.url, b.url);
  try {
    const callId = await startActiveCall(a.url, tech.token, techSocket, expertSocket, expert.userId);
    await assertRoundTrip(
      { socket: techSocket, userId: tech.userId },
      { socket: expertSocket, userId: expert.userId },
      callId,
    );
    const [onA, onB] = await Promise.all([scrape(a.url), scrape(b.url)]);
    const nodeOf = (s: Sample[]) => s.find((x) => x.name === "mobimaint_socket_connections")!.labels.node;
    assert.equal(nodeOf(onA), `${Deno.hostname()}:${a.port}`);
    assert.equal(nodeOf(onB), `${Deno.hostname()}:${b.port}`);
    assert.equal(total(onA, "mobimaint_socket_connections"), 1, "the technician is on A");
    assert.equal(total(onB, "mobimaint_socket_connections"), 1, "the expert is on B");
    // Each node counts the events its own sockets sent: the offer on A, the answer on B.
    assert.equal(total(onA, "mobimaint_relayed_messages_total", { type: "offer" }), 1);
    assert.equal(total(onA, "mobimaint_relayed_messages_total", { type: "answer" }), 0);
    assert.equal(total(onB, "mobimaint_relayed_messages_total", { type: "answer" }), 1);
    assert.equal(total(onB, "mobimaint_rings_total", { outcome: "accepted" }), 1, "the expert accepted on B");
    // Open calls come from the shared store: the same on both.
    assert.equal(total(onA, "mobimaint_calls", { state: "active" }), 1);
    assert.equal(total(onB, "mobimaint_calls", { state: "active" }), 1);
  } finally {
    techSocket.close();
    expertSocket.close();
    await close();
  }
});
