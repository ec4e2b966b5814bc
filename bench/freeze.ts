/**
 * `deno task bench --freeze`: freeze-frame latency and snapshot uploads, in two real Chromium pages
 * (fake cameras, real WebRTC) against the server started as its own process on loopback.
 * Times are wall clock (performance.timeOrigin + now) of the two pages on this one machine:
 *   click → still shown: from the Freeze click on one page to the still's <img> load on a page;
 *   capture / upload: the Technician's device grabbing a 1280×720 frame and POSTing it.
 */
import Table from "cli-table3";
import { launchChromium } from "../tests/helpers/browser.ts";
import { callState, openCall, waitFor } from "../tests/helpers/call_pages.ts";
import type { Page } from "playwright-core";
import { startServerProcess } from "./server_process.ts";
import { sleep } from "./stats.ts";

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
};
const stats = (xs: number[]) => ({ n: xs.length, p50: pct(xs, 0.5), p95: pct(xs, 0.95), max: pct(xs, 1) });

/** Epoch ms of a page's performance.now()-based mark. */
const epoch = (page: Page, expr: string): Promise<number> =>
  callState(page, `performance.timeOrigin + ${expr}`) as Promise<number>;

export async function freezeBench(opts: { freezes: number; out: string }) {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-freeze-" });
  const server = await startServerProcess({
    MOBIMAINT_DATA_DIR: dataDir,
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
    MOBIMAINT_LIMIT_SNAPSHOTS: String(opts.freezes * 3 + 10),
    MOBIMAINT_GRACE_MS: "15000", // the call pages may rejoin slowly on a loaded machine
  });
  const browser = await launchChromium();
  try {
    const { tech, expert } = await openCall(browser, server.url);
    // The machine is shared: a click may wait on a busy renderer longer than a test would allow.
    for (const p of [tech, expert]) p.setDefaultTimeout(30_000);
    const load = () => Deno.loadavg()[0];
    const loadBefore = load();
    const shown = (p: Page) => epoch(p, "m.call.freeze.timing.shownAt");
    const still = (p: Page, id: string) =>
      p.evaluate((id) => {
        const img = document.querySelector<HTMLImageElement>('[data-testid="still"]');
        return !!img && img.dataset.snapshotId === id && img.complete && img.naturalWidth > 0;
      }, id);
    const samples = {
      expertToTech: [] as number[],
      expertToSelf: [] as number[],
      techToExpert: [] as number[],
    };
    const uploads = { bytes: [] as number[], captureMs: [] as number[], uploadMs: [] as number[], size: "" };
    // One untimed round first: the first capture and upload of a page runs cold code.
    for (let i = -1; i < opts.freezes * 2; i++) {
      const from = i % 2 === 0 || i < 0 ? expert : tech;
      const to = from === expert ? tech : expert;
      if (Deno.env.get("DEBUG_FREEZE")) console.log("round", i, from === expert ? "expert" : "tech");
      await from.click('[data-testid="freeze"]');
      let id = "";
      await waitFor("frozen on both", async () => {
        id = (await callState(to, "m.call.freeze.frozen.value?.snapshotId")) ?? "";
        return !!id && (await still(to, id)) && (await still(from, id));
      }, 15_000);
      const clicked = await epoch(from, "m.call.freeze.timing.clickedAt");
      if (i >= 0) {
        const ms = (await shown(to)) - clicked;
        if (from === expert) {
          samples.expertToTech.push(ms);
          samples.expertToSelf.push((await shown(expert)) - clicked);
        } else samples.techToExpert.push(ms);
        const c = await callState(tech, "m.call.freeze.lastCapture");
        uploads.bytes.push(c.bytes);
        uploads.captureMs.push(c.captureMs);
        uploads.uploadMs.push(c.uploadMs);
        uploads.size = `${c.width}×${c.height}`;
      }
      await from.click('[data-testid="freeze"]');
      for (const p of [tech, expert]) await p.locator('[data-testid="still"]').waitFor({ state: "detached" });
      await sleep(300);
    }
    const result = {
      date: new Date().toISOString(),
      loadAverage1m: { before: loadBefore, after: load() },
      freezesPerDirection: opts.freezes,
      clickToStillMs: {
        expertClickTechnicianShows: stats(samples.expertToTech),
        expertClickExpertShows: stats(samples.expertToSelf),
        technicianClickExpertShows: stats(samples.techToExpert),
      },
      capture: {
        size: uploads.size,
        bytes: stats(uploads.bytes),
        captureMs: stats(uploads.captureMs),
        uploadMs: stats(uploads.uploadMs),
      },
    };
    const t = new Table({
      head: ["figure (loopback, shared 2-core machine)", "p50", "p95", "max", "n"],
      style: { head: [] },
    });
    const row = (name: string, s: ReturnType<typeof stats>, unit = " ms") =>
      t.push([name, `${s.p50}${unit}`, `${s.p95}${unit}`, `${s.max}${unit}`, s.n]);
    row(
      "Expert clicks Freeze → still shown on the Technician",
      result.clickToStillMs.expertClickTechnicianShows,
    );
    row("Expert clicks Freeze → still shown on the Expert", result.clickToStillMs.expertClickExpertShows);
    row(
      "Technician clicks Freeze → still shown on the Expert",
      result.clickToStillMs.technicianClickExpertShows,
    );
    row(`snapshot size, JPEG ${uploads.size} (fake camera)`, result.capture.bytes, " B");
    row("capture (grabFrame + encode)", result.capture.captureMs);
    row("upload (POST until 201)", result.capture.uploadMs);
    console.log(t.toString());
    console.log(
      `1-minute load average: ${loadBefore.toFixed(1)} before, ${load().toFixed(1)} after (2 cores)`,
    );
    await Deno.writeTextFile(opts.out, JSON.stringify(result, null, 2) + "\n");
    console.log(`results written to ${opts.out}`);
  } finally {
    await browser.close();
    await server.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
