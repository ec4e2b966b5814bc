/** Scoring the in-call tracking benchmark: pins as drawn against the ground truth, and pose latencies. */
import { apply, invert, type Mat3, mul } from "../../lib/homography.ts";
import type { BrowserReport, BrowserSample, Scored } from "./browser_report.ts";
import type { GroundTruth } from "./make_feed.ts";
import { percentile } from "./offline.ts";

/** One entry of a page's pose log (`m.call.anchoring.log`). */
export interface PoseLogEntry {
  seq: number;
  epoch: string;
  at: number;
  via: string;
}

/** Where the pins were dropped: the feed's ground truth, its poses normalised, the frames and spots anchored on. */
export interface PinTruth {
  gt: GroundTruth;
  G: Mat3[];
  anchorFrames: number[];
  spots: [number, number][];
}

/** Frames after a motion stops before the pins are judged at rest (the pose trails the video). */
const SETTLE_FRAMES = 6;

/** Adds the samples of one page (`list`) to `out`. */
export function scoreSamples(
  list: BrowserSample[],
  out: Scored,
  { gt, G, anchorFrames, spots }: PinTruth,
): void {
  const back = gt.segments.find((s) => s.name === "return")!;
  const fastPan = gt.segments.find((s) => s.name === "pan back")!;
  const leave = gt.segments.find((s) => s.name === "leave")!;
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
      if (gt.labels[s.frame] === "still" && s.frame < fastPan.from) out.restBeforeFastPan.push(e);
      if (gt.labels[s.frame] === "still" && s.frame > fastPan.to + SETTLE_FRAMES && s.frame < leave.from) {
        out.restAfterFastPan.push(e);
      }
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
}

/**
 * Pose ready on the technician's page → received / redrawn on the expert's, and camera frame grabbed →
 * redrawn; counts in `viaCounts` how the expert's poses came.
 */
export function poseLatency(
  techLog: PoseLogEntry[],
  expertLog: PoseLogEntry[],
  viaCounts: Record<string, number>,
): BrowserReport["latencyMs"] {
  // Latency: same machine, same clock (ms since the epoch) on both pages.
  const at = (via: string) =>
    new Map(techLog.filter((e) => e.via === via).map((e) => [`${e.epoch}:${e.seq}`, e.at]));
  const made = at("local"), grabbedAt = at("frame");
  const poseLat: number[] = [], frameLat: number[] = [], recvLat: number[] = [];
  const seen = new Set<string>();
  for (const e of expertLog) {
    if (e.via !== "drawn") {
      viaCounts[e.via] = (viaCounts[e.via] ?? 0) + 1;
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
  return {
    poseP50: percentile(poseLat, 0.5),
    poseP95: percentile(poseLat, 0.95),
    frameP50: percentile(frameLat, 0.5),
    frameP95: percentile(frameLat, 0.95),
    receivedP50: percentile(recvLat, 0.5),
    receivedP95: percentile(recvLat, 0.95),
    count: poseLat.length,
  };
}
