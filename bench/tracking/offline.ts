/**
 * Runs the tracker over the synthetic feed in-process (no browser) and compares where anchored points
 * land with the ground truth. Used by tests/tracking_test.ts and `deno task bench --tracking`.
 */
import { apply, invert, type Mat3, mul, normalize } from "../../lib/homography.ts";
import { Tracker, type TrackResult } from "../../lib/client/tracking/tracker.ts";
import { renderFeed } from "./make_feed.ts";
import { timeline, worldToFrame } from "./scene.ts";

export interface OfflineReport {
  frames: number;
  /** Errors in % of the frame width, frames where the point is on screen and tracking. */
  errors: number[];
  /** Frames where an anchored point was on screen but the tracker was lost. */
  lostOnScreen: number;
  /** Tracked frames at rest (the script's "still" segments) with an anchored point more than 2 % off. */
  restFramesOff: number;
  /** Seconds from the scene being back in view to the first accurate (< 5 %) tracked frame, per loop. */
  reacquireSeconds: number[];
  /** Tracker time per frame, ms (grayscale frame at the tracker's resolution in, pose out). */
  msPerFrame: number[];
  states: TrackResult["state"][];
}

/** Box-filters a w×h plane to half size (what the browser's resize gives the worker). */
export function halve(src: Uint8Array, w: number, h: number, out = new Uint8Array((w >> 1) * (h >> 1))) {
  const hw = w >> 1;
  for (let y = 0; y < h >> 1; y++) {
    for (let x = 0; x < hw; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * hw + x] = (src[i] + src[i + 1] + src[i + w] + src[i + w + 1] + 2) >> 2;
    }
  }
  return out;
}

export const ANCHOR_FRAME = 15;
/** Anchored points, normalised coordinates of the anchor frame. */
export const ANCHOR_POINTS: [number, number][] = [[0.5, 0.5], [0.25, 0.3], [0.75, 0.3], [0.3, 0.75], [
  0.7,
  0.7,
]];

/** Where the ground truth puts anchor point `q` (normalised, drawn on frame `a`) in frame `t`. */
export function truth(gt: Mat3[], a: number, t: number, q: [number, number]): [number, number] {
  return apply(mul(gt[t], invert(gt[a])), q[0], q[1]);
}

/** The feed's frames as the tracker gets them: luma at half the camera's size. */
export async function feedFrames(width = 640, height = 360): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  await renderFeed(width, height, (y) => void frames.push(halve(y, width, height)), { barcode: true });
  return frames;
}

export interface FrameChoice {
  /** Which frames the tracker gets (called once per frame, in order; the very first is always tracked). */
  keep?: (t: number) => boolean;
  /** The feed's frames, when the caller has them already (feedFrames). */
  frames?: Uint8Array[];
}

/** `step`: track every step-th frame only (a slow device, or a loaded machine); `choice.keep` overrides it. */
export async function runOffline(
  loops = 2,
  width = 640,
  height = 360,
  step = 1,
  choice: FrameChoice = {},
): Promise<OfflineReport> {
  const tl = timeline();
  const gt = tl.poses.map((p) => normalize(worldToFrame(p, width, height), width, height));
  const tracker = new Tracker(width >> 1, height >> 1);
  const frames = choice.frames ?? await feedFrames(width, height);
  const keep = choice.keep ?? ((t: number) => t % step === 0);
  const r: OfflineReport = {
    frames: 0,
    errors: [],
    lostOnScreen: 0,
    restFramesOff: 0,
    reacquireSeconds: [],
    msPerFrame: [],
    states: [],
  };
  const back = tl.segments.find((s) => s.name === "return")!;
  let anchorPose: Mat3 | null = null, anchorFrame = ANCHOR_FRAME;
  for (let loop = 0; loop < loops; loop++) {
    let waitingFrom = -1;
    for (let t = 0; t < frames.length; t++) {
      if (!keep(t) && !(loop === 0 && t === 0)) continue;
      const t0 = performance.now();
      const res = tracker.process(frames[t], (loop * frames.length + t) * 1000 / 30);
      r.msPerFrame.push(performance.now() - t0);
      r.states.push(res.state);
      r.frames++;
      if (loop === 0 && !anchorPose && t >= ANCHOR_FRAME) {
        tracker.addKeyframe(true);
        anchorPose = res.pose;
        anchorFrame = t;
      }
      if (!anchorPose) continue;
      const onScreen = ANCHOR_POINTS.map((q) => truth(gt, anchorFrame, t, q))
        .filter(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1);
      // The scene is back once the anchor points are all in view again on the way back.
      if (t >= back.from && waitingFrom < 0 && onScreen.length === ANCHOR_POINTS.length) waitingFrom = t;
      if (res.state === "lost") {
        r.lostOnScreen += onScreen.length ? 1 : 0;
        continue;
      }
      const toNow = mul(res.pose, invert(anchorPose));
      let worst = 0;
      for (const q of ANCHOR_POINTS) {
        const [gx, gy] = truth(gt, anchorFrame, t, q);
        if (gx < 0 || gx > 1 || gy < 0 || gy > 1) continue;
        const [px, py] = apply(toNow, q[0], q[1]);
        const e = Math.hypot((px - gx) * width, (py - gy) * height) / width * 100;
        r.errors.push(e);
        worst = Math.max(worst, e);
      }
      if (tl.labels[t] === "still" && worst > 2) r.restFramesOff++;
      if (waitingFrom >= 0 && r.reacquireSeconds.length === loop && worst < 5 && onScreen.length) {
        r.reacquireSeconds.push((t - waitingFrom) / tl.poses.length * (tl.poses.length / 30));
      }
    }
  }
  return r;
}

export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}

if (import.meta.main) {
  const r = await runOffline(2, 640, 360, Number(Deno.args[0] ?? 1));
  const f = (n: number) => n.toFixed(2);
  console.log(
    `frames ${r.frames}; error %W median ${f(percentile(r.errors, 0.5))} p95 ${
      f(percentile(r.errors, 0.95))
    } ` +
      `max ${f(Math.max(...r.errors))}; lost while on screen ${r.lostOnScreen}; re-acquired after ` +
      `${r.reacquireSeconds.map(f).join(", ")} s; ms/frame median ${f(percentile(r.msPerFrame, 0.5))} ` +
      `p95 ${f(percentile(r.msPerFrame, 0.95))}`,
  );
  let line = "";
  const perLoop = Math.ceil(429 / Number(Deno.args[0] ?? 1));
  r.states.forEach((s, i) => line += i % perLoop === 0 ? "\n" : s === "tracking" ? "." : "L");
  console.log(line);
}
