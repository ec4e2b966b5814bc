/**
 * `deno task bench --metrics-cost`: relay throughput with the Prometheus metrics off and on, in
 * alternating rounds (off, on, off, on…) so that a change in the machine's load (other processes on a
 * shared machine) does not favour one side. Each round starts a fresh server; the medians are compared.
 */
import { type ActiveCall, endCall, setupCall } from "./calls.ts";
import { connectAll, disconnectAll } from "./clients.ts";
import { relayThroughput, type ThroughputResult } from "./phases/relay_throughput.ts";
import { provision } from "./provision.ts";
import { startServerProcess } from "./server_process.ts";
import { Metrics } from "../server/metrics/metrics.ts";

export interface MetricsCostOptions {
  rounds: number;
  calls: number;
  seconds: number;
  window: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * What the metrics add to one relayed message, timed in this process: the two clock reads of the event
 * wrapper, the event's counter and histogram, and the relay counter. A steadier figure than the
 * end-to-end comparison on a machine whose load changes from second to second.
 */
export function metricsPathUsPerMessage(iterations = 500_000): number {
  const metrics = new Metrics();
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      metrics.relayed("offer");
      metrics.socketEvent("offer", "ok", (performance.now() - started) / 1000);
    }
  };
  run(50_000); // warm-up
  const t = performance.now();
  run(iterations);
  return Math.round(((performance.now() - t) * 1000 / iterations) * 100) / 100;
}

export async function metricsCost(opts: MetricsCostOptions) {
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-metrics-" });
  const users = await provision(dataDir, secret, { technicians: opts.calls, experts: opts.calls });
  const techs = users.filter((u) => u.role === "Technician");
  const experts = users.filter((u) => u.role === "Expert");
  const env = {
    MOBIMAINT_DATA_DIR: dataDir,
    MOBIMAINT_SECRET: secret,
    MOBIMAINT_DEMO: "0",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
    MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "1000000",
  };
  const runs: { metrics: "off" | "on"; result: ThroughputResult }[] = [];
  for (let round = 0; round < opts.rounds * 2; round++) {
    const metrics = round % 2 === 0 ? "off" : "on";
    const server = await startServerProcess(
      metrics === "on" ? { ...env, MOBIMAINT_METRICS_TOKEN: "bench-metrics-token-0123456789" } : env,
    );
    const { clients } = await connectAll(server.url, [...experts, ...techs], "batch");
    const byId = new Map(clients.map((c) => [c.user.id, c]));
    const active: ActiveCall[] = [];
    for (let i = 0; i < opts.calls; i++) {
      active.push(await setupCall(server.url, byId.get(techs[i].id)!, byId.get(experts[i].id)!));
    }
    const result = await relayThroughput(active, {
      seconds: opts.seconds,
      window: opts.window,
      serverPid: server.pid,
    });
    console.log(
      `  round ${Math.floor(round / 2) + 1}, metrics ${metrics}: ${result.relayedPerSec} relayed/s, ` +
        `${result.serverCpuUsPerMessage} µs server CPU per message`,
    );
    runs.push({ metrics, result });
    for (const c of active) await endCall(c);
    await disconnectAll(clients);
    await server.stop();
  }
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  const side = (m: "off" | "on") => {
    const rs = runs.filter((r) => r.metrics === m).map((r) => r.result);
    return {
      relayedPerSec: median(rs.map((r) => r.relayedPerSec)),
      serverCpuUsPerMessage: median(rs.map((r) => r.serverCpuUsPerMessage)),
      runs: rs,
    };
  };
  const off = side("off"), on = side("on");
  // Each "on" round against the "off" round just before it: load that drifts over the run cancels out.
  const pairs = off.runs.map((o, i) => ({ o, n: on.runs[i] }));
  const pairedPct = (f: (r: ThroughputResult) => number, lessIsCost: boolean) =>
    Math.round(
      median(pairs.map(({ o, n }) => ((lessIsCost ? f(o) - f(n) : f(n) - f(o)) / f(o)) * 100)) * 10,
    ) / 10;
  const pathUs = metricsPathUsPerMessage();
  const pct = (more: number, base: number) => Math.round(((more - base) / base) * 1000) / 10;
  return {
    options: opts,
    off,
    on,
    /** Throughput lost with metrics on, % of the off median (negative: on was faster). */
    throughputCostPct: -pct(on.relayedPerSec, off.relayedPerSec) || 0,
    /** Extra server CPU per relayed message with metrics on, % of the off median. */
    cpuCostPct: pct(on.serverCpuUsPerMessage, off.serverCpuUsPerMessage),
    /** The same two figures as medians of the per-pair differences (each on round vs the off round before it). */
    pairedThroughputCostPct: pairedPct((r) => r.relayedPerSec, true),
    pairedCpuCostPct: pairedPct((r) => r.serverCpuUsPerMessage, false),
    /** The metrics' own work per relayed message (timed alone), and its share of the off median's CPU. */
    metricsPathUsPerMessage: pathUs,
    metricsPathPct: Math.round((pathUs / off.serverCpuUsPerMessage) * 1000) / 10,
  };
}
