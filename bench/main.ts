/**
 * `deno task bench`: the MobiMaint benchmark. Starts the server as its own
 * process on loopback, provisions users ahead of the timed part, runs the
 * phases below, prints a table and writes bench/results/latest.json.
 *
 *   deno task bench                       # full run (10,000 clients; several minutes)
 *   deno task bench --clients 1000,3000   # storm sizes
 *   deno task bench --quick               # tiny run (used by tests/heavy/bench_test.ts)
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
import { type ActiveCall, endCall, setupCall } from "./calls.ts";
import { type BenchClient, connectAll, disconnectAll } from "./clients.ts";
import { startCrowd } from "./crowd_process.ts";
import { runOtherBench } from "./other_benches.ts";
import { args, cfg, gitCommit, presence, quick } from "./options.ts";
import { annotationFanout } from "./phases/annotations.ts";
import { callSetup } from "./phases/call_setup.ts";
import { coldStart } from "./phases/cold_start.ts";
import { relay } from "./phases/relay.ts";
import { storm } from "./phases/storm.ts";
import { type BenchUser, provision, provisionRemote } from "./provision.ts";
import { printResults } from "./results_table.ts";
import { type ServerProcess, startServerProcess } from "./server_process.ts";
import { sleep } from "./stats.ts";
import { startPhaseStorms } from "./presence_storm.ts";

await runOtherBench();

const secret = crypto.randomUUID() + crypto.randomUUID();
const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-" });
const serverEnv = {
  MOBIMAINT_DATA_DIR: dataDir,
  MOBIMAINT_SECRET: secret,
  MOBIMAINT_DEMO: "0",
  MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
  MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "5000",
  MOBIMAINT_LIMIT_ANNOTATIONS: "1000000",
  // The presence storms' logins all come from this one address.
  MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "100000",
};

const expertsFor = (n: number) => Math.max(1, Math.ceil(n * 0.01));
const maxStorm = Math.max(0, ...cfg.stormSizes);
const callExperts = cfg.calls + cfg.setupPairs;
// The presence storms' Experts come after the measured ones: none of them is connected before its storm.
const stormExperts = callExperts + 2 * cfg.presenceStorm;
const totalExperts = Math.max(expertsFor(maxStorm), stormExperts);
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
const duringStorm = cfg.presenceStorm ? await duringPresenceStorms(active) : undefined;
for (const c of active) await endCall(c);
await disconnectAll(clients);
await crowd.stop();
await sleep(1000);
const rssAfter = await server.rssKiB();
await server.stop();
await Deno.remove(dataDir, { recursive: true }).catch(() => {});

const commit = await gitCommit();
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
  duringStorm,
  memory: {
    rssIdleKiB: rssIdle,
    rssConnectedKiB: rssConnected,
    rssAfterKiB: rssAfter,
    clients: clients.length + crowd.count,
    kibPerClient: Math.round(((rssConnected - rssIdle) / (clients.length + crowd.count)) * 10) / 10,
  },
};

printResults(results);

await Deno.mkdir(args.out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
await Deno.writeTextFile(args.out, JSON.stringify(results, null, 2) + "\n");
console.log(`results written to ${args.out}`);
Deno.exit(0);

/**
 * Relay and annotations measured again, each while `cfg.presenceStorm` Experts sign in (POST /login, then
 * the websocket and register) from a process of their own.
 */
async function duringPresenceStorms(calls: ActiveCall[]) {
  const shift = experts.slice(callExperts, stormExperts).map((u) => ({
    name: u.id,
    login: { username: u.username, password: u.password },
  }));
  const storms = await startPhaseStorms(server.url, shift, "batch");
  try {
    console.log(`relay and annotations again, each while ${cfg.presenceStorm} Experts log in…`);
    const relayStorm = storms.relay.go();
    const relayResult = await relay(calls, { ratePerSec: cfg.rate, seconds: cfg.seconds });
    const annotationStorm = storms.annotations.go();
    const annotationResult = await annotationFanout(calls, { ratePerSec: cfg.rate, seconds: cfg.seconds });
    return {
      experts: cfg.presenceStorm,
      relay: relayResult,
      annotations: annotationResult,
      stormMs: [(await relayStorm).totalMs, (await annotationStorm).totalMs],
    };
  } finally {
    await storms.stop();
  }
}
