/** The main run's figures as a table on the console. */
import Table from "cli-table3";
import type { annotationFanout } from "./phases/annotations.ts";
import type { callSetup } from "./phases/call_setup.ts";
import type { coldStart } from "./phases/cold_start.ts";
import type { relay } from "./phases/relay.ts";
import type { storm } from "./phases/storm.ts";

type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export interface MainResults {
  coldStart: Result<typeof coldStart>;
  storms: Result<typeof storm>[];
  stormLinearity: number | null;
  callSetup: Result<typeof callSetup>;
  relay: Result<typeof relay>;
  annotations: Result<typeof annotationFanout>;
  /** The relay and annotations again, each while Experts log in. */
  duringStorm?: {
    experts: number;
    relay: Result<typeof relay>;
    annotations: Result<typeof annotationFanout>;
    /** From the storm's start to its last Expert registered, per phase (ms). */
    stormMs: number[];
  };
  memory: {
    rssIdleKiB: number;
    rssConnectedKiB: number;
    rssAfterKiB: number;
    clients: number;
    kibPerClient: number;
  };
}

export function printResults(results: MainResults): void {
  const { storms, callSetup: setup, relay: relayResult, annotations: annotationResult, coldStart: cold } =
    results;
  const { rssIdleKiB: rssIdle, rssConnectedKiB: rssConnected, rssAfterKiB: rssAfter } = results.memory;
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
    ...(results.duringStorm ? stormRows(results.duringStorm) : []),
    ["RSS idle / connected / after", `${v(rssIdle)} / ${v(rssConnected)} / ${v(rssAfter)} KiB`],
    [`KiB per connected client (${results.memory.clients})`, v(results.memory.kibPerClient)],
    [
      "cold start (deno task start → 200 /health)",
      `${v(cold.firstStartMs)} ms (empty store), ${v(cold.restartMs)} ms (existing)`,
    ],
  );
  console.log(table.toString());
}

function stormRows(d: NonNullable<MainResults["duringStorm"]>): string[][] {
  const ms = (n: number) => `${Math.round(n)} ms`;
  return [
    [
      `relay RTT p50/p99 while ${d.experts} Experts log in`,
      `${d.relay.p50} / ${d.relay.p99} ms, lost ${d.relay.lost}`,
    ],
    [
      `annotation one-way p50/p99 while ${d.experts} Experts log in`,
      `${d.annotations.p50} / ${d.annotations.p99} ms, lost ${d.annotations.lost}`,
    ],
    [`${d.experts} Experts logged in and registered in`, d.stormMs.map(ms).join(", ")],
  ];
}
