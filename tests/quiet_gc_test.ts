/** A storm's garbage is collected while the server is quiet (server/quiet_gc.ts), on test time. */
import assert from "node:assert/strict";
import { oldGenerationBytes, processCpuMs, QuietGc } from "../server/quiet_gc.ts";
import { api, loginAll, startTestServer } from "./helpers/server.ts";
import { type Client, connect, send, sleep } from "./helpers/sockets.ts";

const MiB = 1024 * 1024;

/**
 * A process whose old generation, CPU time and received requests the test sets; `run` checks every 100 ms for
 * `ms`, with `requestsPerCheck` requests or events received before each check.
 */
function fakeProcess() {
  const p = { old: 40 * MiB, cpu: 0, received: 0, at: 0, collections: 0 };
  const gc = new QuietGc({
    collect: () => {
      p.collections++;
      p.old = 30 * MiB;
    },
    oldBytes: () => p.old,
    cpuMs: () => p.cpu,
    received: () => p.received,
  });
  const run = (ms: number, busyShare: number, requestsPerCheck = 0) => {
    for (let t = 0; t < ms; t += 100) {
      p.at += 100;
      p.cpu += 100 * busyShare;
      p.received += requestsPerCheck;
      gc.check(p.at);
    }
  };
  return { p, run };
}

Deno.test("after a storm grows the old generation, one full collection once the server is quiet", () => {
  const { p, run } = fakeProcess();
  run(1000, 0.02);
  p.old += 80 * MiB; // a connection storm
  run(2000, 0.9);
  assert.equal(p.collections, 0, "not while the server is busy");
  run(200, 0.02);
  assert.equal(p.collections, 0, "not before 300 ms of quiet");
  run(200, 0.02);
  assert.equal(p.collections, 1);
  run(5000, 0.02);
  assert.equal(p.collections, 1, "once: the garbage is gone");
});

Deno.test("growth counts from the lowest point since the last collection: no collection for a small heap change", () => {
  const { p, run } = fakeProcess();
  p.old += 20 * MiB;
  run(1000, 0);
  assert.equal(p.collections, 0, "20 MiB is not a storm");
  p.old -= 15 * MiB; // V8 collected on its own
  run(500, 0);
  p.old += 30 * MiB; // 35 MiB above that low point
  run(500, 0);
  assert.equal(p.collections, 1);
});

Deno.test("a steady 15 % load is not quiet", () => {
  const { p, run } = fakeProcess();
  p.old += 100 * MiB;
  run(5000, 0.15);
  assert.equal(p.collections, 0);
  run(400, 0.05);
  assert.equal(p.collections, 1);
});

Deno.test("not while requests come, however little CPU they cost: a call being set up is not held up", () => {
  const { p, run } = fakeProcess();
  p.old += 100 * MiB;
  run(2000, 0.02, 1);
  assert.equal(p.collections, 0, "a request every 100 ms");
  run(200, 0.02);
  assert.equal(p.collections, 0, "not before 300 ms without one");
  run(200, 0.02);
  assert.equal(p.collections, 1);
});

Deno.test("the server counts what it receives: a REST request and a client event, not an idle client", async () => {
  const server = await startTestServer();
  const sockets: Client[] = [];
  try {
    const { activity } = server.deps;
    const { tech } = await loginAll(server.url);
    // Heartbeats every 50 ms instead of 25 s, so an idle client answers several within the wait below.
    // deno-lint-ignore no-explicit-any
    const engine = server.signaling.io.engine as any;
    engine.opts.pingInterval = 50;
    const client = await connect(server.url, tech.token);
    sockets.push(client);
    let pings = 0;
    // deno-lint-ignore no-explicit-any
    (client.io as any).engine.on("ping", () => pings++);
    const idle = activity.received;
    await sleep(300);
    assert.ok(pings >= 3, `the idle client answered heartbeats (${pings})`);
    assert.equal(activity.received, idle, "a connected client that only answers heartbeats");
    assert.equal((await api(server.url, "GET", "/api/experts", { token: tech.token })).status, 200);
    assert.equal(activity.received, idle + 1, "a REST request");
    assert.equal((await send(sockets[0], "ping")).ok, true);
    assert.equal(activity.received, idle + 2, "a client event");
  } finally {
    for (const s of sockets) s.close();
    await server.close();
  }
});

Deno.test("the readings come from this process: old generation bytes, CPU time that grows with work", () => {
  assert.ok(oldGenerationBytes() > 0);
  const before = processCpuMs();
  const giveUp = performance.now() + 5000;
  while (processCpuMs() - before < 20 && performance.now() < giveUp) { /* work */ }
  assert.ok(processCpuMs() - before >= 20, "the work shows in the CPU time");
});
