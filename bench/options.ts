/** The command line of `deno task bench` (see bench/main.ts for the usage) and the main run's sizes. */
import { parseArgs } from "node:util";
import type { PresenceMode } from "./clients.ts";

const DEFAULT_OUT = "bench/results/latest.json";

export const { values: args } = parseArgs({
  options: {
    clients: { type: "string", default: "1000,3000,10000" },
    "relay-clients": { type: "string", default: "5000" },
    calls: { type: "string", default: "100" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    "setup-rate": { type: "string", default: "20" },
    "setup-count": { type: "string", default: "200" },
    out: { type: "string", default: DEFAULT_OUT },
    quick: { type: "boolean", default: false },
    url: { type: "string" },
    "admin-password": { type: "string" },
    "skip-storms": { type: "boolean", default: false },
    "skip-cold": { type: "boolean", default: false },
    // Experts logging in during each of the relay and annotation phases, measured a second time (0: not).
    "presence-storm": { type: "string", default: "100" },
    "legacy-presence": { type: "boolean", default: false },
    field: { type: "boolean", default: false },
    tracking: { type: "boolean", default: false },
    transports: { type: "string" },
    links: { type: "string" },
    "no-switches": { type: "boolean", default: false },
    // --field: "textured" plays a textured, moving scene as both cameras instead of Chromium's flat picture.
    camera: { type: "string", default: "synthetic" },
    freeze: { type: "boolean", default: false },
    compat: { type: "boolean", default: false },
    peers: { type: "string", default: "replaced,bare" },
    crowds: { type: "string", default: "2" },
    // --compat: the crowds run at this scheduling priority (nice), as phones do not take the server's cores.
    "crowd-nice": { type: "string", default: "19" },
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

/** --out, or `path` when --out was not given (each sub-bench has its own results file). */
export const outOr = (path: string) => args.out === DEFAULT_OUT ? path : args.out;

export const quick = args.quick;

/** MobiMaint's pages take presence in batches; --legacy-presence measures old mobile clients instead. */
export const presence: PresenceMode = args["legacy-presence"] ? "legacy" : "batch";

/** The main run's sizes. */
export const cfg = {
  stormSizes: args["skip-storms"] ? [] : (quick ? "40,80" : args.clients).split(",").map(Number),
  relayClients: quick ? 60 : Number(args["relay-clients"]),
  calls: quick ? 5 : Number(args.calls),
  rate: quick ? 100 : Number(args.rate),
  seconds: quick ? 1 : Number(args.seconds),
  setupRate: quick ? 10 : Number(args["setup-rate"]),
  setupCount: quick ? 10 : Number(args["setup-count"]),
  setupPairs: quick ? 5 : 20,
  presenceStorm: quick ? 10 : Number(args["presence-storm"]),
};

export async function gitCommit(): Promise<string> {
  const git = new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"], stderr: "null" });
  return new TextDecoder().decode((await git.output()).stdout).trim();
}
