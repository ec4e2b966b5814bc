/**
 * The benchmarks other than the main run, each with its own results file: --accept, --compat, --freeze,
 * --field, --tracking and --metrics-cost. `runOtherBench` runs the one asked for and exits; it returns when none was.
 */
import { cpus } from "node:os";
import Table from "cli-table3";
import { acceptBench } from "./accept.ts";
import { metricsCost } from "./metrics_cost.ts";
import { args, gitCommit, outOr, quick } from "./options.ts";

export async function runOtherBench(): Promise<void> {
  if (args.tracking) {
    // --seconds and --out with its own defaults (bench/tracking/run.ts).
    await (await import("./tracking/run.ts")).benchTracking(Deno.args);
    Deno.exit(0);
  }
  if (args.field) {
    if (args.camera !== "synthetic" && args.camera !== "textured") {
      throw new Error(`--camera is "synthetic" or "textured", not "${args.camera}"`);
    }
    const { runFieldBench } = await import("./field.ts");
    await runFieldBench({
      quick: args.quick,
      out: outOr("bench/results/field.json"),
      transports: args.transports,
      links: args.links,
      switches: !args["no-switches"],
      camera: args.camera,
    });
    Deno.exit(0);
  }
  if (args.accept) {
    await acceptBench(
      Number(args["accept-calls"]),
      Number(args["ring-ms"]),
      outOr("bench/results/accept-latest.json"),
    );
    Deno.exit(0);
  }
  if (args.compat) {
    const { compatBench } = await import("./compat/main.ts");
    await compatBench({
      sizes: (args.quick ? "40" : args.clients === "1000,3000,10000" ? "1000,3000" : args.clients).split(",")
        .map(Number),
      peers: args.peers.split(",").filter(Boolean) as ("replaced" | "bare")[],
      calls: args.quick ? 5 : args.calls === "100" ? 50 : Number(args.calls),
      messages: args.quick ? 200 : Number(args.messages),
      rate: args.quick ? 200 : Number(args.rate),
      crowds: Number(args.crowds),
      crowdNiceness: Number(args["crowd-nice"]),
      presenceStorm: args.quick ? 10 : Number(args["presence-storm"]),
      out: outOr("bench/results/compat.json"),
    });
    Deno.exit(0);
  }
  if (args.freeze) {
    const { freezeBench } = await import("./freeze.ts");
    await freezeBench({ freezes: Number(args.freezes), out: "bench/results/freeze.json" });
    Deno.exit(0);
  }
  if (args["metrics-cost"]) await runMetricsCost();
}

/** --metrics-cost: its own run and results file (bench/results/metrics-cost.json unless --out is given). */
async function runMetricsCost(): Promise<never> {
  const opts = {
    rounds: quick ? 1 : Number(args.rounds),
    calls: quick ? 4 : Math.min(Number(args.calls), 20),
    seconds: quick ? 1 : Number(args.seconds === "10" ? 5 : args.seconds),
    window: Number(args.window),
  };
  console.log(
    `relay throughput, metrics off vs on: ${opts.rounds} rounds of each, ${opts.calls} calls, ` +
      `${opts.window} offers in flight per call, ${opts.seconds} s each…`,
  );
  const r = await metricsCost(opts);
  const t = new Table({
    head: ["metrics", "relayed/s (median)", "server CPU µs/message (median)"],
    style: { head: [] },
  });
  t.push(["off", r.off.relayedPerSec, r.off.serverCpuUsPerMessage], [
    "on",
    r.on.relayedPerSec,
    r.on.serverCpuUsPerMessage,
  ]);
  console.log(t.toString());
  console.log(
    `throughput cost ${r.throughputCostPct} %, server CPU per message ${r.cpuCostPct} % (target < 3 %);\n` +
      `paired rounds: throughput cost ${r.pairedThroughputCostPct} %, CPU per message ${r.pairedCpuCostPct} %;\n` +
      `the metrics' own work: ${r.metricsPathUsPerMessage} µs per relayed message, ${r.metricsPathPct} % of ` +
      `the server's CPU per message (metrics off)`,
  );
  const load = Deno.loadavg().map((l) => l.toFixed(1)).join(" ");
  console.log(
    `load average at the end: ${load} on ${cpus().length} cores (a shared machine: see the spread)`,
  );
  const out = outOr("bench/results/metrics-cost.json");
  await Deno.writeTextFile(
    out,
    JSON.stringify({ date: new Date().toISOString(), commit: await gitCommit(), ...r }, null, 2) + "\n",
  );
  console.log(`results written to ${out}`);
  Deno.exit(0);
}
