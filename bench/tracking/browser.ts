/**
 * Anchored annotations in a real call (issue 17): a MobiMaint server, two Chromium pages (technician
 * and expert) whose fake camera plays the synthetic feed, a real WebRTC call. The expert drops
 * anchored pins while the scene is still; then, on every video frame the expert's page shows, it
 * reads the frame's index from the barcode in the picture and where each pin is drawn, which is
 * compared with where the ground truth puts it in that frame.
 *
 * Used by `deno task bench --tracking` (long) and tests/heavy/tracking_browser_test.ts (short).
 */
import type { Page } from "playwright-core";
import { type Mat3, normalize } from "../../lib/homography.ts";
import { measureBundles, startSampling, state, stillFrame, until } from "./browser_pages.ts";
import { type BrowserReport, type BrowserSample, describe } from "./browser_report.ts";
import { poseLatency, type PoseLogEntry, scoreSamples } from "./browser_score.ts";
import { ensureFeed, openFeedCall } from "./feed_call.ts";
import { percentile } from "./offline.ts";

/** Runs a call on the synthetic feed and measures for `seconds` after the pins are dropped. */
export async function runBrowserTracking(seconds: number, log = console.log): Promise<BrowserReport> {
  const gt = await ensureFeed();
  const G: Mat3[] = gt.frames.map((m) => normalize(m, gt.width, gt.height));
  const { server, tech, expert, close } = await openFeedCall({
    tech: { width: 900, height: 700 },
    expert: { width: 1280, height: 800 },
    log,
  });
  try {
    const base = server.url;
    // What the page loads up front, and the worker it loads when tracking starts.
    const { workerGzipBytes, trackingInInitialJs } = await measureBundles(await expert.content(), base);

    await until(
      "tracking on the technician",
      async () => (await state(tech, "m.call.anchoring.pose.value?.state")) === "tracking",
    ).catch(async (e) => {
      log(
        `technician: ${await state(
          tech,
          "JSON.stringify({ t: m.call.anchoring.tracking.value, p: m.call.anchoring.pose.value, s: m.call.anchoring.tracker?.stats })",
        )}`,
      );
      throw e;
    });
    await until(
      "poses on the expert",
      async () => (await state(expert, "m.call.anchoring.pose.value?.seq")) > 0,
    );
    await until(
      "the data channel",
      async () => (await state(expert, "m.call.anchoring.log.filter((e) => e.via === 'channel').length")) > 0,
    );

    // Drop the pins while the scene is at rest (the feed's last still and its first, as it loops) and
    // tracked, at known spots; a pin that came out unanchored (tracking lost meanwhile) is undone and redone.
    await startSampling(expert);
    await startSampling(tech);
    const still = gt.segments.at(-1)!;
    const atRest = async () => {
      const f = await expert.evaluate("globalThis.__samples.at(-1)?.frame") as number | undefined;
      const tracked = (await state(expert, "m.call.anchoring.pose.value?.state")) === "tracking";
      return tracked && f !== undefined && (f >= still.from + 6 || f <= gt.segments[0].to - 10);
    };
    /** What the pages said when the scene was not found at rest and tracked (for the failure message). */
    const restState = async (...pages: Page[]) =>
      JSON.stringify(
        await Promise.all(pages.map((p) =>
          state(
            p,
            `({ frame: globalThis.__samples?.at(-1)?.frame, samples: globalThis.__samples?.length,
              pose: m.call.anchoring.pose.value?.state, peer: m.call.peerState.value,
              events: m.call.events.filter((e) => e !== "anchor-pose").slice(-15) })`,
          )
        )),
      );
    const spots: [number, number][] = [[0.5, 0.5], [0.3, 0.35], [0.7, 0.65]];
    await expert.click('[data-tool="pin"]');
    const anchorFrames: number[] = [];
    const anchored = () => state(expert, "m.call.board.annotations.value.filter((a) => a.anchor).length");
    const click = async (nx: number, ny: number) => {
      const box = (await expert.locator("canvas.annotations").boundingBox())!;
      const rect = await state(expert, "m.drawn.value.rect");
      await expert.mouse.click(box.x + rect.x + nx * rect.w, box.y + rect.y + ny * rect.h);
    };
    // The first pin is drawn on a frozen still (the expert freezes, the technician's device captures
    // it with its pose), then the picture goes live again: the pin must follow the object like the others.
    const onStill = async (nx: number, ny: number) => {
      await expert.click('[data-testid="freeze"]');
      await expert.locator('[data-testid="still"]').waitFor();
      await until("the still on screen", () => state(expert, "m.call.freeze.timing.shownAt > 0"));
      const frame = await stillFrame(expert);
      const withPose = await state(expert, "!!m.call.freeze.frozen.value?.anchor");
      if (withPose) await click(nx, ny);
      await expert.click('[data-testid="freeze"]');
      await expert.locator('[data-testid="still"]').waitFor({ state: "detached" });
      return frame;
    };
    for (const [i, [nx, ny]] of spots.entries()) {
      await expert.fill("#pin-text", `P${i}`);
      for (let attempt = 0;; attempt++) {
        await until("the scene at rest and tracked", atRest, 60_000, () => restState(tech, expert));
        let frame = await expert.evaluate("globalThis.__samples.at(-1).frame") as number;
        if (i === 0) frame = await onStill(nx, ny);
        else await click(nx, ny);
        if (await anchored() === i + 1) {
          anchorFrames.push(frame);
          break;
        }
        if (attempt === 5) throw new Error(`pin ${i} not anchored after ${attempt + 1} attempts`);
        if (await state(expert, "m.call.board.annotations.value.length") > i) {
          await expert.click("text=Undo my last");
        }
      }
    }
    const stillPin = await state(
      expert,
      "m.call.board.annotations.value.filter((a) => a.anchor && a.frozenFrameId).length",
    );
    // Sampling starts with the pins in place.
    await expert.evaluate("globalThis.__samples.length = 0");
    await tech.evaluate("globalThis.__samples.length = 0");
    const techStart = await state(
      tech,
      "({ n: m.call.anchoring.tracker.stats.frames, t: performance.now() })",
    );
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const techEnd = await state(
      tech,
      "({ n: m.call.anchoring.tracker.stats.frames, t: performance.now(), ms: m.call.anchoring.tracker.stats.workerMs, track: m.call.anchoring.tracker.stats.trackMs })",
    );
    await expert.evaluate("globalThis.__stopSampling = true");
    await tech.evaluate("globalThis.__stopSampling = true");
    const samples = await expert.evaluate("globalThis.__samples") as BrowserSample[];
    const techSamples = await tech.evaluate("globalThis.__samples") as BrowserSample[];
    const techLog = await state(tech, "m.call.anchoring.log") as PoseLogEntry[];
    const expertLog = await state(expert, "m.call.anchoring.log") as PoseLogEntry[];

    // Accuracy against the ground truth of the frame shown.
    const r: BrowserReport = {
      samples: samples.length,
      errors: [],
      bySegment: {},
      restBeforeFastPan: [],
      restAfterFastPan: [],
      uncertainOnScreen: 0,
      offScreen: { frames: 0, markerOrUncertain: 0 },
      reacquireSeconds: [],
      technician: {
        samples: techSamples.length,
        errors: [],
        bySegment: {},
        restBeforeFastPan: [],
        restAfterFastPan: [],
        uncertainOnScreen: 0,
        offScreen: { frames: 0, markerOrUncertain: 0 },
        reacquireSeconds: [],
      },
      trackerFps: ((techEnd.n - techStart.n) * 1000) / (techEnd.t - techStart.t),
      workerMs: { p50: percentile(techEnd.ms, 0.5), p95: percentile(techEnd.ms, 0.95) },
      trackMs: { p50: percentile(techEnd.track, 0.5), p95: percentile(techEnd.track, 0.95) },
      latencyMs: {
        poseP50: NaN,
        poseP95: NaN,
        frameP50: NaN,
        frameP95: NaN,
        receivedP50: NaN,
        receivedP95: NaN,
        count: 0,
      },
      videoDelayMs: await state(expert, "m.call.anchoring.videoDelayMs"),
      via: {},
      workerGzipBytes,
      trackingInInitialJs,
      stillPins: stillPin,
    };
    const truth = { gt, G, anchorFrames, spots };
    scoreSamples(samples, r, truth);
    scoreSamples(techSamples, r.technician, truth);
    r.latencyMs = poseLatency(techLog, expertLog, r.via);
    return r;
  } finally {
    await close();
  }
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 30);
  const r = await runBrowserTracking(seconds);
  for (const line of describe(r)) console.log(line);
}
