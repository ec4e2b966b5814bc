/**
 * `deno task bench --compat`: the old clients' workload (bench/compat/workload.ts) against MobiMaint and,
 * side by side in the same run, its peers: the replaced server (run with Node from
 * ../shared/reference/replaced-server, its npm dependencies installed in a scratch folder) and a bare
 * Socket.IO relay on Deno (the floor). Prints each figure with MobiMaint's ratio to each peer and writes
 * bench/results/compat.json.
 *
 *   deno task bench --compat --clients 1000,3000 [--peers replaced,bare] [--calls 50] [--messages 10000]
 *     [--crowds 2]   (processes holding the clients not in a measured call; 0: all in the measuring process)
 *     [--crowd-nice 19]   (the crowds' scheduling priority: their parsing is the phones' work, not the server's; 0: none)
 *     [--presence-storm 100]   (relay and annotations again, each while that many Experts log in; 0: not)
 */
import { join } from "node:path";
import Table from "cli-table3";
import { BENCH_PASSWORD, type BenchUser, provision } from "../provision.ts";
import { freePort, rssKiB, startServerProcess, waitHealthy } from "../server_process.ts";
import { type CompatFigures, type CompatTarget, type CompatUser, runCompatWorkload } from "./workload.ts";

interface Running {
  target: CompatTarget;
  pid: number;
  stop(): Promise<void>;
}

type Peer = "mobimaint" | "replaced" | "bare";

type PeerFigures = CompatFigures & { rssKiBPerClient: number; rssAtRestKiBPerClient: number };

/**
 * RSS is read right after the traffic, then each second for this long with every client still connected and
 * nothing sent; the lowest reading is the one "at rest". Right after a burst the heap is mostly garbage that
 * the runtime hands back only once the load has calmed (V8's memory reducer), so the first reading counts
 * that garbage and the lowest one what the clients hold. Both are counted from the server's lowest RSS over
 * as long before any client, so the garbage of its own start is not counted as a saving.
 */
const REST_MS = 20_000;

/** The lowest RSS of `pid` read each second for `ms`, KiB (NaN if no reading succeeded). */
async function lowestRss(pid: number, ms: number): Promise<number> {
  const readings: number[] = [];
  for (let waited = 0; waited < ms; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = await rssKiB(pid).catch(() => NaN);
    if (Number.isFinite(rss)) readings.push(rss);
  }
  return readings.length ? Math.min(...readings) : NaN;
}

const REPLACED = join(import.meta.dirname!, "../../../shared/reference/replaced-server/server.js");
const SCRATCH = "/tmp/mobimaint-replaced-server-deps";

/** The replaced server needs express, socket.io, uuid and cors from npm (outside the project folder). */
async function replacedDeps(): Promise<void> {
  try {
    await Deno.stat(join(SCRATCH, "node_modules/express"));
    return;
  } catch { /* not yet */ }
  await Deno.mkdir(SCRATCH, { recursive: true });
  const r = await new Deno.Command("npm", {
    args: ["install", "--silent", "--prefix", SCRATCH, "express@5", "socket.io@4", "uuid@11", "cors@2"],
    stdout: "null",
  }).output();
  if (!r.success) throw new Error("npm install of the replaced server's dependencies failed");
}

function spawn(cmd: string, args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, env, stdout: "null", stderr: "null", stdin: "null" }).spawn();
}

const stopChild = (child: Deno.ChildProcess) => async () => {
  child.kill("SIGTERM");
  await child.status;
};

async function startPeer(peer: Peer, mobimaint: { env: Record<string, string> }) {
  if (peer === "mobimaint") {
    const server = await startServerProcess(mobimaint.env);
    const target: CompatTarget = {
      url: server.url,
      createCall: async (tech) => {
        const r = await fetch(`${server.url}/api/create-call`, {
          method: "POST",
          headers: { authorization: `Bearer ${tech.token}`, "content-type": "application/json" },
          body: JSON.stringify({ userId: tech.name }),
        });
        return (await r.json()).callId;
      },
      loginAs: (user) => ({ username: user.name, password: BENCH_PASSWORD }),
    };
    return { target, pid: server.pid, stop: server.stop } satisfies Running;
  }
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: Deno.ChildProcess;
  if (peer === "replaced") {
    await replacedDeps();
    child = spawn("node", [REPLACED], { PORT: String(port), NODE_PATH: join(SCRATCH, "node_modules") });
  } else {
    child = spawn(
      Deno.execPath(),
      ["run", "-A", join(import.meta.dirname!, "bare_relay.ts"), String(port)],
      {},
    );
  }
  await waitHealthy(url);
  const target: CompatTarget = {
    url,
    // The replaced server lets only its own Technician "user1" create calls; it does not check who rings.
    createCall: async () => {
      const r = await fetch(`${url}/api/create-call`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "user1" }),
      });
      return (await r.json()).callId;
    },
    // Its own hard-coded Expert (it does not tie the login to the name registered); the bare relay has none.
    loginAs: peer === "replaced" ? () => ({ username: "user2", password: "P" }) : undefined,
  };
  return { target, pid: child.pid, stop: stopChild(child) } satisfies Running;
}

export async function compatBench(opts: {
  sizes: number[];
  peers: Peer[];
  calls: number;
  messages: number;
  rate: number;
  crowds: number;
  crowdNiceness: number;
  presenceStorm: number;
  out: string;
}): Promise<void> {
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-compat-" });
  const max = Math.max(...opts.sizes);
  const bench = await provision(dataDir, secret, {
    technicians: Math.ceil(max / 2),
    experts: Math.ceil(max / 2) + 2 * opts.presenceStorm,
  });
  const toCompat = (u: BenchUser): CompatUser => ({
    name: u.username,
    role: u.role as CompatUser["role"],
    token: u.token,
  });
  // Experts that are in no crowd: they log in during the relay phase and during the annotations.
  const storm = bench.filter((u) => u.role === "Expert").slice(Math.ceil(max / 2)).map(toCompat);
  const env = {
    MOBIMAINT_DATA_DIR: dataDir,
    MOBIMAINT_SECRET: secret,
    MOBIMAINT_DEMO: "0",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
    MOBIMAINT_LIMIT_SOCKET_EVENTS_PER_SEC: "5000",
    MOBIMAINT_LIMIT_ANNOTATIONS: "1000000",
    // The storm's logins all come from this one address.
    MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "100000",
  };
  const results: Record<string, Record<string, PeerFigures>> = {};
  for (const n of opts.sizes) {
    const techs = bench.filter((u) => u.role === "Technician").slice(0, Math.ceil(n / 2));
    const experts = bench.filter((u) => u.role === "Expert").slice(0, Math.ceil(n / 2));
    // Interleaved, so the first `calls` of each role are the callers and the called.
    const users: CompatUser[] = techs.flatMap((t, i) => [
      { name: t.username, role: "Technician" as const, token: t.token },
      { name: experts[i].username, role: "Expert" as const, token: experts[i].token },
    ]);
    results[n] = {};
    for (const peer of ["mobimaint" as const, ...opts.peers]) {
      console.log(`compat workload: ${n} clients against ${peer}…`);
      const running = await startPeer(peer, { env });
      const rssBefore = await lowestRss(running.pid, REST_MS);
      let rssAfter = NaN;
      let rssAtRest = NaN;
      try {
        const figures = await runCompatWorkload(running.target, users, {
          calls: opts.calls,
          messages: opts.messages,
          ratePerSec: opts.rate,
          crowds: opts.crowds,
          crowdNiceness: opts.crowdNiceness,
          storm,
          // Every client still connected, after the calls, relays and annotations.
          beforeClose: async () => {
            rssAfter = await rssKiB(running.pid).catch(() => NaN);
            rssAtRest = await lowestRss(running.pid, REST_MS);
          },
        });
        const perClient = (rss: number) => Math.round((rss - rssBefore) / n * 10) / 10;
        results[n][peer] = {
          ...figures,
          rssKiBPerClient: perClient(rssAfter),
          rssAtRestKiBPerClient: perClient(rssAtRest),
        };
      } finally {
        await running.stop();
      }
    }
  }
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  print(results, opts.peers);
  await Deno.writeTextFile(
    opts.out,
    JSON.stringify({ at: new Date().toISOString(), workload: opts, results }, null, 2) + "\n",
  );
  console.log(`written ${opts.out}`);
}

function print(results: Record<string, Record<string, PeerFigures>>, peers: Peer[]) {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "-");
  const rows: [string, (f: PeerFigures) => number][] = [
    ["connect + register total (ms)", (f) => f.connectMs],
    ["presence: last Expert heard, after connect (ms)", (f) => f.presenceAfterConnectMs],
    ["call setup p99 (ms)", (f) => f.setup.p99],
    ["relay RTT p50 (ms)", (f) => f.relay.p50],
    ["relay RTT p99 (ms)", (f) => f.relay.p99],
    ["relay lost", (f) => f.relay.lost],
    ["annotation one-way p99 (ms)", (f) => f.annotation.p99],
    ["annotations lost", (f) => f.annotation.lost],
    ["during login storms: relay RTT p50 (ms)", (f) => f.duringStorm?.relay.p50 ?? NaN],
    ["during login storms: relay RTT p99 (ms)", (f) => f.duringStorm?.relay.p99 ?? NaN],
    ["during login storms: annotation p99 (ms)", (f) => f.duringStorm?.annotation.p99 ?? NaN],
    [
      "during login storms: lost",
      (f) => (f.duringStorm ? f.duringStorm.relay.lost + f.duringStorm.annotation.lost : NaN),
    ],
    [
      "login storm: all Experts in (ms)",
      (f) => Math.max(...(f.duringStorm?.storms ?? []).map((s) => s.totalMs)),
    ],
    [
      "login storm: last Expert heard, after all in (ms)",
      (f) => Math.max(...(f.duringStorm?.presenceAfterStormMs ?? [NaN])),
    ],
    ["RSS per client, right after the traffic (KiB)", (f) => f.rssKiBPerClient],
    [`RSS per client, lowest in ${REST_MS / 1000} s at rest (KiB)`, (f) => f.rssAtRestKiBPerClient],
  ];
  for (const [n, byPeer] of Object.entries(results)) {
    const table = new Table({
      head: [`${n} clients`, "MobiMaint", ...peers.flatMap((p) => [p, `MobiMaint / ${p}`])],
    });
    for (const [label, get] of rows) {
      const mine = get(byPeer.mobimaint);
      table.push([
        label,
        ms(mine),
        ...peers.flatMap((p) => [ms(get(byPeer[p])), ms(mine / get(byPeer[p]))]),
      ]);
    }
    console.log(table.toString());
  }
}
