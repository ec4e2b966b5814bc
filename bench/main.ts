/**
 * `deno task bench`: the MobiMaint benchmark. Starts the server as its own
 * process on loopback, provisions users ahead of the timed part, runs the
 * phases below, prints a table and writes bench/results/latest.json.
 *
 *   deno task bench                       # full run (10,000 clients; several minutes)
 *   deno task bench --clients 1000,3000   # storm sizes
 *   deno task bench --quick               # tiny run (used by tests/bench_test.ts)
 *   deno task bench --url http://host:3000 --admin-password PW   # against a running server (no RSS, no cold start)
 *   deno task bench --legacy-presence     # clients take presence one event per change, as old mobile clients
 *   deno task bench --tracking            # anchored annotations: tracker accuracy and speed (bench/tracking/run.ts)
 *   deno task bench --field [--quick]     # calls on field networks (bench/field.ts): bench/results/field.json
 *   deno task bench --freeze              # only freeze frame and snapshot uploads, in Chromium (bench/freeze.ts)
 *   deno task bench --compat              # old clients' workload, side by side with the replaced server and a
 *                                         # bare relay (bench/compat/main.ts; --clients, --peers, --calls, --messages)
 *   deno task bench --metrics-cost        # relay throughput with /metrics off vs on (--rounds, --calls, --seconds)
 *   deno task bench --accept              # Accept → both see each other, in Chromium (bench/accept.ts;
 *                                         # --accept-calls, --ring-ms: how long it rings before Accept)
 */
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { acceptBench } from "./accept.ts";
import { type ActiveCall, endCall, setupCall } from "./calls.ts";
import { type BenchClient, connectAll, disconnectAll, type PresenceMode } from "./clients.ts";
import { startCrowd } from "./crowd_process.ts";
import { annotationFanout } from "./phases/annotations.ts";
import { runFieldBench } from "./field.ts";
import { callSetup } from "./phases/call_setup.ts";
import { coldStart } from "./phases/cold_start.ts";
import { relay } from "./phases/relay.ts";
import { storm } from "./phases/storm.ts";
import { type BenchUser, provision, provisionRemote } from "./provision.ts";
import { type ServerProcess, startServerProcess } from "./server_process.ts";
import { metricsCost } from "./metrics_cost.ts";
import { sleep } from "./stats.ts";

if (Deno.args.includes("--tracking")) {
  await (await import("./tracking/run.ts")).benchTracking(Deno.args);
  Deno.exit(0);
}

const { values: args } = parseArgs({
  options: {
    clients: { type: "string", default: "1000,3000,10000" },
    "relay-clients": { type: "string", default: "5000" },
    calls: { type: "string", default: "100" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    "setup-rate": { type: "string", default: "20" },
    "setup-count": { type: "string", default: "200" },
    out: { type: "string", default: "bench/results/latest.json" },
    quick: { type: "boolean", default: false },
    url: { type: "string" },
    "admin-password": { type: "string" },
    "skip-storms": { type: "boolean", default: false },
    "skip-cold": { type: "boolean", default: false },
    "legacy-presence": { type: "boolean", default: false },
    field: { type: "boolean", default: false },
    transports: { type: "string" },
    links: { type: "string" },
    "no-switches": { type: "boolean", default: false },
    freeze: { type: "boolean", default: false },
    compat: { type: "boolean", default: false },
    peers: { type: "string", default: "replaced,bare" },
    messages: { type: "string", default: "10000" },
    freezes: { type: "string", default: "20" },
    "metrics-cost": { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    window: { type: "string", default: "4" },
    accept: { type: "boolean", default: false },
    "accept-calls": { type: "string", default: "20" },
    "ring-ms": { type: "string", default: "1500" },
  },
});
if (args.accept) {
  const out = args.out === "bench/results/latest.json" ? "bench/results/accept-latest.json" : args.out;
  await acceptBench(Number(args["accept-calls"]), Number(args["ring-ms"]), out);
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
    out: args.out === "bench/results/latest.json" ? "bench/results/compat.json" : args.out,
  });
  Deno.exit(0);
}
if (args.freeze) {
  const { freezeBench } = await import("./freeze.ts");
  await freezeBench({ freezes: Number(args.freezes), out: "bench/results/freeze.json" });
  Deno.exit(0);
}
if (args.field) {
  await runFieldBench({
    quick: args.quick,
    out: args.out === "bench/results/latest.json" ? "bench/results/field.json" : args.out,
    transports: args.transports,
    links: args.links,
    switches: !args["no-switches"],
  });
  Deno.exit(0);
}
const quick = args.quick;
/** MobiMaint's pages take presence in batches; --legacy-presence measures old mobile clients instead. */
const presence: PresenceMode = args["legacy-presence"] ? "legacy" : "batch";
const cfg = {
  stormSizes: args["skip-storms"] ? [] : (quick ? "40,80" : args.clients).split(",").map(Number),
  relayClients: quick ? 60 : Number(args["relay-clients"]),
  calls: quick ? 5 : Number(args.calls),
  rate: quick ? 100 : Number(args.rate),
  seconds: quick ? 1 : Number(args.seconds),
  setupRate: quick ? 10 : Number(args["setup-rate"]),
  setupCount: quick ? 10 : Number(args["setup-count"]),
  setupPairs: quick ? 5 : 20,
};

if (args["metrics-cost"]) await runMetricsCost();

const secret = crypto.randomUUID() + crypto.randomUUID();
const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-" });
const serverEnv = {
  MOBIMAINT_DATA_DIR: dataDir,
  MOBIMAINT_SECRET: secret,
  MOBIMAINT_DEMO: "0",
  MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
  MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "5000",
  MOBIMAINT_LIMIT_ANNOTATIONS: "1000000",
};

const expertsFor = (n: number) => Math.max(1, Math.ceil(n * 0.01));
const maxStorm = Math.max(0, ...cfg.stormSizes);
const callExperts = cfg.calls + cfg.setupPairs;
const totalExperts = Math.max(expertsFor(maxStorm), callExperts);
const totalTechs = Math.max(maxStorm, cfg.relayClients) - Math.min(totalExperts, expertsFor(maxStorm));

console.log(`provisioning ${totalTechs} technicians and ${totalExperts} experts (not timed)…`);
const remote = args.url;
const users = remote
  ? await provisionRemote(remote, args["admin-password"] ?? Deno.env.get("MOBIMAINT_ADMIN_PASSWORD") ?? "", {
    technicians: totalTechs,
    experts: totalExperts,
  })
  : await provision(dataDir, secret, { technicians: totalTechs, experts: totalExperts });
/** The server under test: started here, or the one at --url (whose memory cannot be read). */
const startTarget = async (): Promise<ServerProcess> =>
  remote
    ? { url: remote, pid: 0, rssKiB: () => Promise.resolve(NaN), stop: () => Promise.resolve() }
    : await startServerProcess(serverEnv);
const techs = users.filter((u) => u.role === "Technician");
const experts = users.filter((u) => u.role === "Expert");
/** A population of n users with 1% Experts, as a deployment has. */
const population = (n: number): BenchUser[] => {
  const e = Math.min(expertsFor(n), experts.length);
  return [...experts.slice(0, e), ...techs.slice(0, n - e)];
};

console.log("cold start…");
const cold = args["skip-cold"] || remote ? { firstStartMs: NaN, restartMs: NaN } : await coldStart();

const storms = [];
for (const n of cfg.stormSizes) {
  console.log(`connection storm: ${n} clients…`);
  const server = await startTarget();
  storms.push(await storm(server, population(n), presence));
  await server.stop();
}

console.log(`steady state: ${cfg.relayClients} clients connected…`);
const server = await startTarget();
const rssIdle = await server.rssKiB();
// The measured clients live here; the idle rest of the population in a process of its own.
const measured = [...experts.slice(0, callExperts), ...techs.slice(0, cfg.calls + cfg.setupPairs)];
const idle = techs.slice(cfg.calls + cfg.setupPairs, cfg.relayClients - callExperts);
const crowd = await startCrowd(server.url, idle, presence);
const { clients } = await connectAll(server.url, measured, presence);
// Settle: the experts' arrival is announced to every technician before anything is timed.
// One event per change and per socket (legacy) takes seconds for a hundred experts arriving at once.
const SETTLE_MS = quick ? 300 : presence === "batch" ? 3000 : 10_000;
await sleep(SETTLE_MS);
const rssConnected = await server.rssKiB();
const byId = new Map(clients.map((c) => [c.user.id, c]));
const pick = (list: BenchUser[]) => list.map((u) => byId.get(u.id)!) as BenchClient[];
const setupExperts = pick(experts.slice(cfg.calls, callExperts));
const setupTechs = pick(techs.slice(cfg.calls, cfg.calls + cfg.setupPairs));

console.log(`call setup at ${cfg.setupRate}/s…`);
// Warm-up, not timed: the first setups of a fresh process run unoptimised code (server and load generator).
await callSetup(server.url, setupTechs, setupExperts, { ratePerSec: cfg.setupRate, count: cfg.setupPairs });
const setup = await callSetup(server.url, setupTechs, setupExperts, {
  ratePerSec: cfg.setupRate,
  count: cfg.setupCount,
});

console.log(`relay and annotations over ${cfg.calls} active calls at ${cfg.rate} msg/s…`);
const active: ActiveCall[] = [];
const callTechs = pick(techs.slice(0, cfg.calls));
const callExpertClients = pick(experts.slice(0, cfg.calls));
for (let i = 0; i < cfg.calls; i++) {
  active.push(await setupCall(server.url, callTechs[i], callExpertClients[i]));
}
// Settle: a hundred experts turning busy is announced to every technician; relay is measured in steady state.
await sleep(SETTLE_MS);
const relayResult = await relay(active, { ratePerSec: cfg.rate, seconds: cfg.seconds });
const annotationResult = await annotationFanout(active, { ratePerSec: cfg.rate, seconds: cfg.seconds });
for (const c of active) await endCall(c);
await disconnectAll(clients);
await crowd.stop();
await sleep(1000);
const rssAfter = await server.rssKiB();
await server.stop();
await Deno.remove(dataDir, { recursive: true }).catch(() => {});

const commit = new TextDecoder().decode(
  (await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"], stderr: "null" }).output()).stdout,
).trim();
const results = {
  date: new Date().toISOString(),
  commit,
  quick,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    deno: Deno.version.deno,
    os: Deno.build.os,
  },
  config: { ...cfg, presence },
  coldStart: cold,
  storms,
  stormLinearity: storms.length > 1
    ? Math.round((storms.at(-1)!.totalMs / storms[0].totalMs) * 100) / 100
    : null,
  callSetup: setup,
  relay: { clientsConnected: clients.length + crowd.count, activeCalls: active.length, ...relayResult },
  annotations: {
    clientsConnected: clients.length + crowd.count,
    activeCalls: active.length,
    ...annotationResult,
  },
  memory: {
    rssIdleKiB: rssIdle,
    rssConnectedKiB: rssConnected,
    rssAfterKiB: rssAfter,
    clients: clients.length + crowd.count,
    kibPerClient: Math.round(((rssConnected - rssIdle) / (clients.length + crowd.count)) * 10) / 10,
  },
};

/** NaN (not measured: --url, --skip-cold) shows as n/a. */
const v = (n: number) => (Number.isNaN(n) ? "n/a" : n);
const table = new Table({ head: ["figure", "value"], style: { head: [] } });
for (const s of storms) {
  table.push([
    `storm ${s.clients} clients: total / p50 / p99`,
    `${s.totalMs} ms / ${s.perConnect.p50} ms / ${s.perConnect.p99} ms`,
  ]);
}
if (results.stormLinearity) {
  table.push([`time(${storms.at(-1)!.clients}) / time(${storms[0].clients})`, results.stormLinearity]);
}
table.push(
  [
    `call setup p50 / p99 at ${setup.ratePerSec}/s`,
    `${setup.p50} / ${setup.p99} ms (${setup.errors} errors)`,
  ],
  [
    `relay RTT p50/p90/p99/max at ${relayResult.ratePerSec} offers/s`,
    `${relayResult.p50} / ${relayResult.p90} / ${relayResult.p99} / ${relayResult.max} ms, lost ${relayResult.lost}`,
  ],
  [
    `annotation one-way p50/p99 at ${annotationResult.ratePerSec}/s`,
    `${annotationResult.p50} / ${annotationResult.p99} ms, lost ${annotationResult.lost}`,
  ],
  ["RSS idle / connected / after", `${v(rssIdle)} / ${v(rssConnected)} / ${v(rssAfter)} KiB`],
  [`KiB per connected client (${clients.length + crowd.count})`, v(results.memory.kibPerClient)],
  [
    "cold start (deno task start → 200 /health)",
    `${v(cold.firstStartMs)} ms (empty store), ${v(cold.restartMs)} ms (existing)`,
  ],
);
console.log(table.toString());

await Deno.mkdir(args.out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
await Deno.writeTextFile(args.out, JSON.stringify(results, null, 2) + "\n");
console.log(`results written to ${args.out}`);
Deno.exit(0);

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
  const out = args.out === "bench/results/latest.json" ? "bench/results/metrics-cost.json" : args.out;
  await Deno.writeTextFile(
    out,
    JSON.stringify({ date: new Date().toISOString(), commit: await gitCommit(), ...r }, null, 2) + "\n",
  );
  console.log(`results written to ${out}`);
  Deno.exit(0);
}

async function gitCommit(): Promise<string> {
  const git = new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"], stderr: "null" });
  return new TextDecoder().decode((await git.output()).stdout).trim();
}
