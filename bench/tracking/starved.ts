/**
 * The tracker in-process on the synthetic feed when it gets only some of the frames (a busy phone): every
 * k-th frame, and random drops at 50, 70 and 80 % with eight seeds each, two passes of the script per
 * pattern. Small changes in the tracker move single patterns a lot (which corners survive, RANSAC's draws),
 * so read the totals over all patterns.
 *
 *   deno run -A bench/tracking/starved.ts [--verbose] [--seeds 1000]   (another seed base, another set of drops)
 */
import { parseArgs } from "node:util";
import { apply, invert, type Mat3, mul, normalize } from "../../lib/homography.ts";
import { Tracker } from "../../lib/client/tracking/tracker.ts";
import { renderFeed } from "./make_feed.ts";
import { ANCHOR_FRAME, ANCHOR_POINTS, halve, percentile, truth } from "./offline.ts";
import { prng, timeline, worldToFrame } from "./scene.ts";

const W = 640, H = 360;

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
  const tl = timeline();
  const gt = tl.poses.map((p) => normalize(worldToFrame(p, W, H), W, H));
  const frames: Uint8Array[] = [];
  await renderFeed(W, H, (y) => void frames.push(halve(y, W, H)), { barcode: true });
  const patterns: [string, (t: number, random: () => number) => boolean][] = [];
  for (const k of [1, 2, 3, 4, 5, 6, 8]) patterns.push([`1 in ${k}`, (t) => t % k === 0]);
  for (const p of [0.5, 0.7, 0.8]) {
    for (let seed = 1; seed <= 8; seed++) patterns.push([`drop ${p * 100} % #${seed}`, (_t, r) => r() > p]);
  }
  const all: number[] = [];
  const report = { patterns: patterns.length, p95Over2: 0, maxOver5: 0, restFramesOff: 0, lostOnScreen: 0 };
  for (const [i, [name, keep]] of patterns.entries()) {
    const random = prng(seeds + i);
    const tracker = new Tracker(W >> 1, H >> 1);
    let anchorPose: Mat3 | null = null, anchorFrame = ANCHOR_FRAME;
    const errors: number[] = [];
    for (let loop = 0; loop < 2; loop++) {
      for (let t = 0; t < frames.length; t++) {
        if (!keep(t, random) && !(loop === 0 && t === 0)) continue;
        const res = tracker.process(frames[t], (loop * frames.length + t) * 1000 / 30);
        if (!anchorPose && t >= ANCHOR_FRAME) {
          tracker.addKeyframe(true);
          anchorPose = res.pose;
          anchorFrame = t;
        }
        if (!anchorPose) continue;
        const inView = ANCHOR_POINTS.map((q) => truth(gt, anchorFrame, t, q))
          .filter(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1);
        if (res.state === "lost") {
          report.lostOnScreen += inView.length ? 1 : 0;
          continue;
        }
        let worst = 0;
        for (const q of ANCHOR_POINTS) {
          const [gx, gy] = truth(gt, anchorFrame, t, q);
          if (gx < 0 || gx > 1 || gy < 0 || gy > 1) continue;
          const [px, py] = apply(mul(res.pose, invert(anchorPose)), q[0], q[1]);
          const e = Math.hypot((px - gx) * W, (py - gy) * H) / W * 100;
          errors.push(e);
          all.push(e);
          worst = Math.max(worst, e);
        }
        if (tl.labels[t] === "still" && worst > 2) report.restFramesOff++;
      }
    }
    const p95 = percentile(errors, 0.95), max = Math.max(...errors);
    if (p95 > 2) report.p95Over2++;
    if (max > 5) report.maxOver5++;
    if (verbose) {
      console.log(
        `${name.padEnd(14)} p50 ${percentile(errors, 0.5).toFixed(2)} p95 ${p95.toFixed(2)} max ${
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
