import assert from "node:assert/strict";
import { hasChromium } from "../helpers/browser.ts";

/** Runs `deno task bench` with `args` into a scratch results file: its parsed JSON and what it printed. */
async function runBench(...args: string[]) {
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/main.ts", ...args, "--out", out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(run.stdout);
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr) + text);
  // deno-lint-ignore no-explicit-any
  const r: any = JSON.parse(await Deno.readTextFile(out));
  await Deno.remove(out);
  return { r, text };
}

Deno.test("the benchmark runs end to end at a tiny size and reports every figure", async () => {
  const { r, text } = await runBench("--quick");
  assert.equal(r.storms.length, 2);
  for (const s of r.storms) {
    assert.ok(s.totalMs > 0);
    assert.equal(s.perConnect.count, s.clients, "every client connected and registered");
  }
  assert.equal(r.callSetup.errors, 0);
  assert.equal(r.callSetup.count, 10);
  assert.ok(r.relay.sent > 0);
  assert.equal(r.relay.lost, 0);
  assert.equal(r.relay.count, r.relay.sent);
  assert.equal(r.annotations.lost, 0);
  assert.equal(r.annotations.refused, 0);
  // Measured again while Experts sign in with their password: every one of them in, nothing lost.
  assert.equal(r.duringStorm.experts, 10);
  assert.equal(r.duringStorm.stormMs.length, 2);
  assert.ok(r.duringStorm.stormMs.every((ms: number) => ms > 0));
  assert.equal(r.duringStorm.relay.count, r.duringStorm.relay.sent);
  assert.equal(r.duringStorm.annotations.lost, 0);
  assert.match(text, /while 10 Experts log in/);
  assert.ok(r.memory.rssConnectedKiB > 0 && r.memory.kibPerClient !== null);
  assert.ok(r.coldStart.firstStartMs > 0 && r.coldStart.restartMs > 0);
  assert.match(text, /relay RTT/);
});

Deno.test("the old clients' workload runs side by side with a bare relay and reports every figure", async () => {
  const { r, text } = await runBench("--compat", "--quick", "--peers", "bare");
  for (const peer of ["mobimaint", "bare"]) {
    const f = r.results["40"][peer];
    assert.equal(f.clients, 40);
    assert.ok(f.connectMs > 0);
    assert.equal(f.setup.count, 5, `${peer}: every call set up with compat events only`);
    assert.equal(f.relay.count, 200, `${peer}: every offer answered`);
    assert.equal(f.relay.lost, 0);
    assert.equal(f.annotation.count, 200, `${peer}: every compat pin delivered`);
    const storm = f.duringStorm;
    assert.equal(storm.relay.count, 200, `${peer}: every offer answered while Experts log in`);
    assert.equal(storm.annotation.count, 200, `${peer}: every pin delivered while Experts log in`);
    assert.deepEqual(storm.storms.map((s: { experts: number }) => s.experts), [10, 10]);
    // How late the measured Technicians heard of the Experts: after the connections, and after each storm.
    // (NaN, never heard, is null in the JSON.)
    assert.ok(
      Number.isFinite(f.presenceAfterConnectMs),
      `${peer}: presence after connect ${f.presenceAfterConnectMs}`,
    );
    assert.equal(storm.presenceAfterStormMs.length, 2);
    assert.ok(
      storm.presenceAfterStormMs.every(Number.isFinite),
      JSON.stringify(storm.presenceAfterStormMs),
    );
  }
  assert.match(text, /MobiMaint \/ bare/);
});

Deno.test("the metrics cost comparison runs at a tiny size and reports both sides", async () => {
  const { r, text } = await runBench("--metrics-cost", "--quick");
  for (const side of [r.off, r.on]) {
    assert.equal(side.runs.length, 1);
    assert.ok(side.relayedPerSec > 0 && side.runs[0].roundTrips > 0);
    assert.ok(side.serverCpuUsPerMessage > 0);
  }
  assert.ok(r.metricsPathUsPerMessage > 0);
  assert.equal(typeof r.throughputCostPct, "number");
  assert.match(text, /throughput cost/);
});

Deno.test({
  name: "the Accept benchmark runs two calls through the real pages and reports what it measured",
  ignore: !hasChromium,
}, async () => {
  const { r, text } = await runBench("--accept", "--accept-calls", "2", "--ring-ms", "500");
  assert.equal(r.calls, 2, JSON.stringify(r.failures));
  assert.ok(r.p50 > 0 && r.p95 >= r.p50);
  assert.match(text, /accept → both see each other/);
  // Shown by the compositor no later than one display frame (60 Hz, plus rounding) after the pages'
  // callbacks heard of it: expectedDisplayTime is the frame it will be on, which may still be ahead.
  assert.ok(r.p50 <= r.callbacks.p50 + 18, JSON.stringify(r));
  for (const step of ["expert room", "expert frames", "tech frame-shown"]) {
    assert.ok(r.steps[step] > 0, `${step} measured: ${JSON.stringify(r.steps)}`);
  }
  // The connection is made while it rings: its steps may come before Accept (negative), never after video.
  for (const step of ["tech connected", "tech pc-dtls-connected"]) {
    assert.ok(r.steps[step] < r.steps["tech frames"], `${step} measured: ${JSON.stringify(r.steps)}`);
  }
});
