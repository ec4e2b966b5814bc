/**
 * `deno task bench --tracking [--seconds 45]`: the anchored-annotation figures (issue 17).
 *   1. the tracker in-process on the synthetic feed (two passes): accuracy against ground truth, ms/frame;
 *   2. jsfeat's Lucas–Kanade against a hand-written one (the candidate comparison);
 *   3. a real call in headless Chromium on the feed: where the expert's page draws anchored pins vs the
 *      ground truth of the frame it shows, re-acquisition, edge markers, tracker rate on the technician's
 *      page, pose → redraw latency, worker bundle size.
 * Writes bench/results/tracking.json. The machine's load average is printed with the figures: on a
 * shared 2-core machine it changes them a lot.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runBrowserTracking } from "./browser.ts";
import { describe } from "./browser_report.ts";
import { compareLk } from "./lk_compare.ts";
import { percentile, runOffline } from "./offline.ts";

export async function benchTracking(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tracking: { type: "boolean" },
      seconds: { type: "string", default: "45" },
      out: { type: "string", default: "bench/results/tracking.json" },
    },
    strict: false,
  });
  const f = (n: number) => n.toFixed(2);
  const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
  console.log(`load average before: ${load()}`);

  console.log("\n1. tracker in-process (Deno), synthetic feed 640×360 → 320×180, two passes");
  const off = await runOffline(2);
  console.log(
    `   error % of width: median ${f(percentile(off.errors, 0.5))}, p95 ${
      f(percentile(off.errors, 0.95))
    }, ` +
      `max ${
        f(Math.max(...off.errors))
      }; lost while on screen ${off.lostOnScreen} frames; re-acquired after ` +
      `${off.reacquireSeconds.map(f).join(", ")} s; ms/frame p50 ${f(percentile(off.msPerFrame, 0.5))}, ` +
      `p95 ${f(percentile(off.msPerFrame, 0.95))}`,
  );

  console.log("\n2. Lucas–Kanade candidates (150 points per frame pair)");
  const lk = await compareLk();
  for (const r of lk) {
    console.log(
      `   ${r.name.padEnd(7)} ms p50 ${f(r.msP50)} p95 ${f(r.msP95)}; error px p50 ${
        r.errPxP50.toFixed(3)
      } ` +
        `p95 ${r.errPxP95.toFixed(3)}; dropped ${r.dropped}`,
    );
  }

  console.log(`\n3. real call in headless Chromium, ${values.seconds} s on the feed (load ${load()})`);
  const browser = await runBrowserTracking(Number(values.seconds));
  for (const line of describe(browser)) console.log(`   ${line}`);
  console.log(`\nload average after: ${load()}`);

  const out = String(values.out);
  await Deno.mkdir(out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
  await Deno.writeTextFile(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        loadavg: loadavg(),
        offline: {
          errorMedianPct: percentile(off.errors, 0.5),
          errorP95Pct: percentile(off.errors, 0.95),
          lostOnScreen: off.lostOnScreen,
          reacquireSeconds: off.reacquireSeconds,
          msP50: percentile(off.msPerFrame, 0.5),
          msP95: percentile(off.msPerFrame, 0.95),
        },
        lk,
        browser: {
          ...browser,
          errors: undefined,
          restBeforeFastPan: undefined,
          restBeforeFastPanP50: percentile(browser.restBeforeFastPan, 0.5),
          restAfterFastPan: undefined,
          restAfterFastPanP50: percentile(browser.restAfterFastPan, 0.5),
          restAfterFastPanP95: percentile(browser.restAfterFastPan, 0.95),
          technician: {
            ...browser.technician,
            errors: undefined,
            bySegment: undefined,
            restBeforeFastPan: undefined,
            restAfterFastPan: undefined,
            errorMedianPct: percentile(browser.technician.errors, 0.5),
            errorP95Pct: percentile(browser.technician.errors, 0.95),
          },
          bySegment: Object.fromEntries(
            Object.entries(browser.bySegment).map((
              [k, v],
            ) => [k, { p50: percentile(v, 0.5), p95: percentile(v, 0.95) }]),
          ),
          errorMedianPct: percentile(browser.errors, 0.5),
          errorP95Pct: percentile(browser.errors, 0.95),
        },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`results written to ${out}`);
}

if (import.meta.main) await benchTracking(Deno.args);
