/**
 * The tracker in-process on the synthetic feed when it gets only some of the frames (a busy phone): every
 * k-th frame, and random drops of 50, 70 and 80 % with eight seeds each, two passes of the script per
 * pattern. Small changes in the tracker move single patterns a lot (which corners survive, RANSAC's draws),
 * so read the totals over all patterns.
 *
 *   deno run -A bench/tracking/starved.ts [--verbose] [--seeds 1000]   (another seed base, another set of drops)
 */
import { parseArgs } from "node:util";
import { feedFrames, percentile, runOffline } from "./offline.ts";
import { prng } from "./scene.ts";

export interface StarvedReport {
  patterns: number;
  /** Patterns whose p95 error is over 2 % of the width, and whose worst error is over 5 %. */
  p95Over2: number;
  maxOver5: number;
  /** Tracked frames at rest (the script's "still" segments) with a point more than 2 % off. */
  restFramesOff: number;
  /** Frames with an anchored point in view while the tracker was lost. */
  lostOnScreen: number;
  errorP50: number;
  errorP95: number;
  errorP99: number;
}

export async function runStarved(verbose = false, seeds = 1000): Promise<StarvedReport> {
  const frames = await feedFrames();
  const patterns: [string, (t: number, random: () => number) => boolean][] = [];
  for (const k of [1, 2, 3, 4, 5, 6, 8]) patterns.push([`1 in ${k}`, (t) => t % k === 0]);
  for (const p of [0.5, 0.7, 0.8]) {
    for (let seed = 1; seed <= 8; seed++) patterns.push([`drop ${p * 100} % #${seed}`, (_t, r) => r() > p]);
  }
  const all: number[] = [];
  const report = { patterns: patterns.length, p95Over2: 0, maxOver5: 0, restFramesOff: 0, lostOnScreen: 0 };
  for (const [i, [name, keep]] of patterns.entries()) {
    const random = prng(seeds + i);
    const r = await runOffline(2, 640, 360, 1, { keep: (t) => keep(t, random), frames });
    const p95 = percentile(r.errors, 0.95), max = Math.max(...r.errors);
    all.push(...r.errors);
    report.restFramesOff += r.restFramesOff;
    report.lostOnScreen += r.lostOnScreen;
    if (p95 > 2) report.p95Over2++;
    if (max > 5) report.maxOver5++;
    if (verbose) {
      console.log(
        `${name.padEnd(14)} p50 ${percentile(r.errors, 0.5).toFixed(2)} p95 ${p95.toFixed(2)} max ${
          max.toFixed(2)
        }`,
      );
    }
  }
  return {
    ...report,
    errorP50: percentile(all, 0.5),
    errorP95: percentile(all, 0.95),
    errorP99: percentile(all, 0.99),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { verbose: { type: "boolean" }, seeds: { type: "string", default: "1000" } },
  });
  const r = await runStarved(values.verbose, Number(values.seeds));
  const f = (n: number) => n.toFixed(2);
  console.log(
    `${r.patterns} patterns: p95 > 2 % in ${r.p95Over2}, worst > 5 % in ${r.maxOver5}; at-rest frames > 2 % off ` +
      `${r.restFramesOff}; lost with a point in view ${r.lostOnScreen}; error % of width p50 ${
        f(r.errorP50)
      } ` +
      `p95 ${f(r.errorP95)} p99 ${f(r.errorP99)}`,
  );
}
