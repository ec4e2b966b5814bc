/**
 * Anchored annotations in a real call (issue 17): a MobiMaint server, two Chromium pages (technician
 * and expert) whose fake camera plays the synthetic feed, a real WebRTC call. The expert drops
 * anchored pins while the scene is still; then, on every video frame the expert's page shows, it
 * reads the frame's index from the barcode in the picture and where each pin is drawn, which is
 * compared with where the ground truth puts it in that frame.
 *
 * Used by `deno task bench --tracking` (long) and tests/heavy/tracking_browser_test.ts (short).
 */
import { gzipSync } from "node:zlib";
import { chromium, type Page } from "playwright-core";
import { apply, invert, type Mat3, mul, normalize } from "../../lib/homography.ts";
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "../../tests/helpers/browser.ts";
import { startServerProcess } from "../server_process.ts";
import { type GroundTruth, writeFeed } from "./make_feed.ts";
import { percentile } from "./offline.ts";
import { BARCODE_BITS, BARCODE_ROWS } from "./scene.ts";

export interface BrowserSample {
  frame: number;
  /** Per pin: drawn position (normalised), on screen as drawn, uncertain. */
  pins: { at: [number, number]; onScreen: boolean; uncertain: boolean }[];
}

/** Positions of the pins as drawn on one page, against the ground truth of the frame it showed. */
export interface Scored {
  /** Error of pins drawn as tracked while their true position is in the picture, % of frame width. */
  errors: number[];
  /** The same errors by segment of the motion script (pan, rotate, zoom, leave, return, …). */
  bySegment: Record<string, number[]>;
  /** Frames with a pin truly in the picture but drawn as uncertain. */
  uncertainOnScreen: number;
  /** Frames with a pin truly off screen: how many had it drawn off screen (edge marker) or uncertain. */
  offScreen: { frames: number; markerOrUncertain: number };
  /** Seconds from the scene being back in view to the pins tracked within 5 % again, per pass (NaN: not in 1.5 s). */
  reacquireSeconds: number[];
}

export interface BrowserReport extends Scored {
  samples: number;
  /** The same on the technician's own page (its camera, no video coding or network in between). */
  technician: Scored & { samples: number };
  /** Technician: poses per second over the measured span, and worker ms per frame. */
  trackerFps: number;
  workerMs: { p50: number; p95: number };
  /** Of which the tracker alone (the rest: drawing the frame and reading its pixels). */
  trackMs: { p50: number; p95: number };
  /** Pose ready on the technician's page → redrawn on the expert's, and camera frame grabbed → redrawn. */
  latencyMs: {
    poseP50: number;
    poseP95: number;
    frameP50: number;
    frameP95: number;
    /** Pose ready → received on the expert's page (transport only). */
    receivedP50: number;
    receivedP95: number;
    count: number;
  };
  /** The expert's estimate of its video delay at the end, ms (poses wait for it). */
  videoDelayMs: number;
  /** Poses that reached the expert over the data channel vs the socket. */
  via: Record<string, number>;
  /** Tracking worker bundle (with the chunks it imports), gzip bytes; and whether the call room loads it up front. */
  workerGzipBytes: number;
  trackingInInitialJs: boolean;
  /** Pins drawn on a frozen still and anchored with its pose (the first pin is). */
  stillPins: number;
}

const FEED = "test-output/tracking/feed";

async function ensureFeed(): Promise<GroundTruth> {
  try {
    await Deno.stat(`${FEED}.y4m`);
    return JSON.parse(await Deno.readTextFile(`${FEED}.json`));
  } catch {
    return await writeFeed(FEED, 640, 360);
  }
}

async function login(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// deno-lint-ignore no-explicit-any
const state = (page: Page, expr: string): Promise<any> =>
  page.evaluate(`(() => { const m = globalThis.__mobimaint; return ${expr}; })()`);

/** Starts sampling on the expert's page: per shown video frame, its barcode and the pins as drawn. */
function startSampling(page: Page) {
  return page.evaluate(({ bits, rows }) => {
    const g = globalThis as unknown as Record<string, unknown>;
    const video = document.querySelector("video") as HTMLVideoElement;
    const c = new OffscreenCanvas(320, 8), ctx = c.getContext("2d", { willReadFrequently: true })!;
    const samples: unknown[] = [];
    g.__samples = samples;
    const tick = () => {
      if (g.__stopSampling) return;
      video.requestVideoFrameCallback(() => {
        const vh = video.videoHeight, vw = video.videoWidth;
        // The barcode strip: the top BARCODE_ROWS of 360, read along its middle row.
        const sy = Math.floor((rows / 2 / 360) * vh);
        ctx.drawImage(video, 0, sy, vw, 1, 0, 0, 320, 1);
        const px = ctx.getImageData(0, 0, 320, 1).data;
        let frame = 0;
        for (let b = 0; b < bits; b++) {
          const i = Math.round(((b + 0.5) / bits) * 320) * 4;
          frame = (frame << 1) | (px[i] + px[i + 1] + px[i + 2] > 384 ? 1 : 0);
        }
        // deno-lint-ignore no-explicit-any
        const m = (globalThis as any).__mobimaint;
        const placed = m?.anchored?.current?.placed ?? [];
        samples.push({
          frame,
          pins: placed.map((p: { at: [number, number]; onScreen: boolean; uncertain: boolean }) => ({
            at: p.at,
            onScreen: p.onScreen,
            uncertain: p.uncertain,
          })),
        });
        tick();
      });
    };
    tick();
  }, { bits: BARCODE_BITS, rows: BARCODE_ROWS });
}

/** The frame index in the barcode of the still shown on the page (a frozen frame). */
function stillFrame(page: Page): Promise<number> {
  return page.evaluate(({ bits, rows }) => {
    const img = document.querySelector('[data-testid="still"]') as HTMLImageElement;
    const ctx = new OffscreenCanvas(320, 1).getContext("2d", { willReadFrequently: true })!;
    const sy = Math.floor((rows / 2 / 360) * img.naturalHeight);
    ctx.drawImage(img, 0, sy, img.naturalWidth, 1, 0, 0, 320, 1);
    const px = ctx.getImageData(0, 0, 320, 1).data;
    let frame = 0;
    for (let b = 0; b < bits; b++) {
      const i = Math.round(((b + 0.5) / bits) * 320) * 4;
      frame = (frame << 1) | (px[i] + px[i + 1] + px[i + 2] > 384 ? 1 : 0);
    }
    return frame;
  }, { bits: BARCODE_BITS, rows: BARCODE_ROWS });
}

/** Runs a call on the synthetic feed and measures for `seconds` after the pins are dropped. */
export async function runBrowserTracking(seconds: number, log = console.log): Promise<BrowserReport> {
  const gt = await ensureFeed();
  const G: Mat3[] = gt.frames.map((m) => normalize(m, gt.width, gt.height));
  const server = await startServerProcess({
    MOBIMAINT_DATA_DIR: await Deno.makeTempDir({ prefix: "mobimaint-tracking-" }),
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
    // Both pages leave home for the call room; on a loaded machine that can take longer than the 2 s grace.
    MOBIMAINT_GRACE_MS: "15000",
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--use-file-for-fake-video-capture=${Deno.cwd()}/${FEED}.y4m`],
  });
  try {
    const base = server.url;
    const permissions = ["camera", "microphone"];
    const tech = await (await browser.newContext({ viewport: { width: 900, height: 700 }, permissions }))
      .newPage();
    const expert = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions }))
      .newPage();
    for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
      page.on("pageerror", (e) => log(`[${who} pageerror] ${e.message}`));
      page.on("console", (m) => m.type() !== "log" && log(`[${who} ${m.type()}] ${m.text()}`));
    }
    await login(tech, base, "user1", "P");
    await login(expert, base, "user2", "P");
    await expert.locator('[data-testid="availability"][data-availability="available"]').waitFor();
    await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
    await tech.click('button[aria-label="Call user2"]');
    await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
    await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);

    // What the page loads up front, and the worker it loads when tracking starts. (The room opens in
    // place of the home page, which hides its own elements: attributes may follow the id.)
    const html = await expert.content();
    const initial = [
      ...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g),
    ]
      .map((m) => m[1]);
    const workerPath = JSON.parse(/id="__FRESH_WORKERS__"[^>]*>([^<]+)</.exec(html)![1])[0]
      .tracking as string;
    const fetchJs = async (p: string) => new Uint8Array(await (await fetch(base + p)).arrayBuffer());
    const workerJs = await fetchJs(workerPath);
    let workerGzipBytes = gzipSync(workerJs).byteLength;
    for (const m of new TextDecoder().decode(workerJs).matchAll(/from"\.\/([^"]+)"/g)) {
      workerGzipBytes += gzipSync(await fetchJs(`/_fresh/js/${m[1]}`)).byteLength;
    }
    let trackingInInitialJs = false;
    for (const u of initial) {
      if (new TextDecoder().decode(await fetchJs(u)).includes("optical_flow_lk")) trackingInInitialJs = true;
    }

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
        await until("the scene at rest and tracked", atRest, 60_000);
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
    const techLog = await state(tech, "m.call.anchoring.log") as {
      seq: number;
      epoch: string;
      at: number;
      via: string;
    }[];
    const expertLog = await state(expert, "m.call.anchoring.log") as {
      seq: number;
      epoch: string;
      at: number;
      via: string;
    }[];

    // Accuracy against the ground truth of the frame shown.
    const r: BrowserReport = {
      samples: samples.length,
      errors: [],
      bySegment: {},
      uncertainOnScreen: 0,
      offScreen: { frames: 0, markerOrUncertain: 0 },
      reacquireSeconds: [],
      technician: {
        samples: techSamples.length,
        errors: [],
        bySegment: {},
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
    const back = gt.segments.find((s) => s.name === "return")!;
    const score = (list: BrowserSample[], out: Scored) => {
      // Per pass through the return: seconds until tracked within 5 % again, NaN when it was not (in 1.5 s).
      let waitingSince = -1, lastFrame = -1, windowSeen = false;
      const closePass = () => {
        if (windowSeen && waitingSince !== Infinity) out.reacquireSeconds.push(NaN);
        windowSeen = false;
        waitingSince = -1;
      };
      for (const s of list) {
        if (s.frame >= gt.frames.length || s.pins.length !== spots.length) continue;
        if (s.frame < lastFrame) closePass(); // the feed looped
        lastFrame = s.frame;
        let worst = 0, allIn = true;
        s.pins.forEach((p, i) => {
          const [gx, gy] = apply(mul(G[s.frame], invert(G[anchorFrames[i]])), spots[i][0], spots[i][1]);
          const inView = gx >= 0 && gx <= 1 && gy >= 0 && gy <= 1;
          allIn &&= inView;
          if (!inView) {
            out.offScreen.frames++;
            if (!p.onScreen || p.uncertain) out.offScreen.markerOrUncertain++;
            return;
          }
          if (p.uncertain) {
            out.uncertainOnScreen++;
            worst = Infinity;
            return;
          }
          const e = (Math.hypot((p.at[0] - gx) * gt.width, (p.at[1] - gy) * gt.height) / gt.width) * 100;
          out.errors.push(e);
          (out.bySegment[gt.labels[s.frame]] ??= []).push(e);
          worst = Math.max(worst, e);
        });
        if (s.frame >= back.from && s.frame <= back.to + 45) {
          windowSeen = true;
          if (allIn && waitingSince < 0) waitingSince = s.frame;
          if (waitingSince >= 0 && waitingSince < Infinity && worst < 5) {
            out.reacquireSeconds.push((s.frame - waitingSince) / gt.fps);
            waitingSince = Infinity;
          }
        }
      }
      if (lastFrame > back.to + 45) closePass();
    };
    score(samples, r);
    score(techSamples, r.technician);
    // Latency: same machine, same clock (ms since the epoch) on both pages.
    const at = (via: string) =>
      new Map(techLog.filter((e) => e.via === via).map((e) => [`${e.epoch}:${e.seq}`, e.at]));
    const made = at("local"), grabbedAt = at("frame");
    const poseLat: number[] = [], frameLat: number[] = [], recvLat: number[] = [];
    const seen = new Set<string>();
    for (const e of expertLog) {
      if (e.via !== "drawn") {
        r.via[e.via] = (r.via[e.via] ?? 0) + 1;
        const k = `${e.epoch}:${e.seq}`;
        if (made.has(k)) recvLat.push(e.at - made.get(k)!);
        continue;
      }
      const k = `${e.epoch}:${e.seq}`;
      if (seen.has(k) || !made.has(k)) continue;
      seen.add(k);
      poseLat.push(e.at - made.get(k)!);
      if (grabbedAt.has(k)) frameLat.push(e.at - grabbedAt.get(k)!);
    }
    r.latencyMs = {
      poseP50: percentile(poseLat, 0.5),
      poseP95: percentile(poseLat, 0.95),
      frameP50: percentile(frameLat, 0.5),
      frameP95: percentile(frameLat, 0.95),
      receivedP50: percentile(recvLat, 0.5),
      receivedP95: percentile(recvLat, 0.95),
      count: poseLat.length,
    };
    return r;
  } finally {
    await browser.close();
    await server.stop();
  }
}

export function describe(r: BrowserReport): string[] {
  const f = (n: number) => Number.isFinite(n) ? n.toFixed(2) : String(n);
  return [
    `expert-side samples ${r.samples}; pin error (% of width, tracked & on screen, ${r.errors.length} values): ` +
    `median ${f(percentile(r.errors, 0.5))}, p95 ${f(percentile(r.errors, 0.95))}, max ${
      f(Math.max(...r.errors))
    }`,
    `by segment (median/p95 %): ${
      Object.entries(r.bySegment).map(([k, v]) => `${k} ${f(percentile(v, 0.5))}/${f(percentile(v, 0.95))}`)
        .join(", ")
    }`,
    `technician's own page: ${r.technician.samples} samples, error median ${
      f(percentile(r.technician.errors, 0.5))
    }, p95 ${f(percentile(r.technician.errors, 0.95))}; by segment ${
      Object.entries(r.technician.bySegment).map(([k, v]) =>
        `${k} ${f(percentile(v, 0.5))}/${f(percentile(v, 0.95))}`
      ).join(", ")
    }; re-acquired ${r.technician.reacquireSeconds.map(f).join(", ")} s`,
    `uncertain while truly on screen: ${r.uncertainOnScreen} pin-frames; truly off screen: ${r.offScreen.frames} ` +
    `pin-frames, drawn off screen (edge marker) or uncertain: ${r.offScreen.markerOrUncertain}`,
    `re-acquired after the scene returned: ${r.reacquireSeconds.map(f).join(", ") || "never"} s`,
    `tracker on the technician: ${f(r.trackerFps)} poses/s, worker ${f(r.workerMs.p50)} ms/frame p50, ` +
    `${f(r.workerMs.p95)} p95, of which tracking ${f(r.trackMs.p50)} / ${
      f(r.trackMs.p95)
    } (320×180 from the 640×360 camera)`,
    `pose ready on the technician → received by the expert p50 ${f(r.latencyMs.receivedP50)} ms, ` +
    `p95 ${f(r.latencyMs.receivedP95)} ms; applied after the expert's video delay estimate ` +
    `(${f(r.videoDelayMs)} ms at the end) less the pose's age`,
    `latency pose ready → redrawn on the expert p50 ${f(r.latencyMs.poseP50)} ms, p95 ${
      f(r.latencyMs.poseP95)
    } ms; ` +
    `camera frame grabbed → redrawn p50 ${f(r.latencyMs.frameP50)} ms, p95 ${f(r.latencyMs.frameP95)} ms ` +
    `(${r.latencyMs.count} poses; received via ${JSON.stringify(r.via)})`,
    `tracking worker ${
      (r.workerGzipBytes / 1024).toFixed(1)
    } KiB gzip; in the call room's initial JS: ${r.trackingInInitialJs}`,
    `pins drawn on a frozen still and anchored with its pose: ${r.stillPins} (scored with the others)`,
  ];
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 30);
  const r = await runBrowserTracking(seconds);
  for (const line of describe(r)) console.log(line);
}
