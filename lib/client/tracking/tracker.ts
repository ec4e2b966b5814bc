/**
 * Follows a mostly planar scene in a grayscale camera feed. Points are tracked from frame to frame
 * with pyramidal Lucas–Kanade (jsfeat's, started where the last step's motion puts each point: lk.ts);
 * each remembers where it sits in the reference frame (the first frame), so the pose — the homography
 * reference → current frame — is fitted directly by RANSAC on (reference, current) pairs and does not
 * accumulate frame-to-frame error. Lost points are replaced by fresh FAST corners. When the fit
 * fails (too fast, occlusion, the scene left the picture) the tracker is "lost" and matches ORB
 * features of each new frame against its keyframes (the first frame, the frames annotations were
 * drawn on, a recent good frame) until the scene comes back.
 */
import { apply, IDENTITY, invert, type Mat3, mul, normalize } from "../../homography.ts";
import { cv, type Matrix, type Pyramid, type XY } from "./cv.ts";
import { FeatureDetector } from "./features.ts";
import { FrameChecks } from "./frame_checks.ts";
import { HomographyFit, MIN_INLIERS } from "./homography_fit.ts";
import { Keyframes } from "./keyframes.ts";
import { GuidedLk } from "./lk.ts";

export type TrackState = "tracking" | "lost";

export interface TrackResult {
  state: TrackState;
  /** Reference frame → this frame, in normalised [0, 1] coordinates. */
  pose: Mat3;
  /** Points that agreed with the pose (0 when lost). */
  inliers: number;
  /** True on the frame where tracking came back from "lost". */
  reacquired: boolean;
  /** Frames processed, starting at 1. */
  frame: number;
}

const MAX_POINTS = 150;
/** Below this many tracked points, fresh corners are added where the frame has none (coverage keeps the
 * pose right across the whole picture, not only where the surviving points cluster). */
const MIN_POINTS = 130;
/** A predicted LK start that keeps fewer of the points than this is checked against a start from rest. */
const PREDICTED_KEEPS = 0.7;
const BORDER = 12;
const LK_WIN = 15;
/** Processed frames between automatic keyframes at least (they are taken when the view changed). */
const MIN_KEYFRAME_GAP = 8;
const LEVELS = 4;

/** A pose found from one LK start: the points (indexes into the tracked set) that agree with it. */
interface Candidate {
  pose: Mat3;
  /** Previous → this frame, pixels. */
  step: Mat3;
  xy: Float32Array;
  inliers: number[];
}

export class Tracker {
  state: TrackState = "lost";
  private pyr: [Pyramid, Pyramid];
  private prevXY = new Float32Array(MAX_POINTS * 2);
  private curXY = new Float32Array(MAX_POINTS * 2);
  private predicted = new Float32Array(MAX_POINTS * 2);
  private fromRest = new Float32Array(MAX_POINTS * 2);
  private status = new Uint8Array(MAX_POINTS);
  private ref: XY[] = [];
  private count = 0;
  private pose: Mat3 = IDENTITY;
  private frames = 0;
  private lastKeyframe = 0;
  private lostFrames = 0;
  /** The last tracked step (previous → current frame, pixels) and the time it took: the motion prior. */
  private motion: { step: Mat3; ms: number } | null = null;
  private lastAt = 0;
  private readonly keyframes = new Keyframes();
  private readonly detector: FeatureDetector;
  private readonly blurred: Matrix;
  private readonly ransac = new HomographyFit();
  private readonly checks: FrameChecks;
  private readonly lk: GuidedLk;

  constructor(readonly w: number, readonly h: number) {
    this.pyr = [new cv.pyramid_t(LEVELS), new cv.pyramid_t(LEVELS)];
    for (const p of this.pyr) p.allocate(w, h, cv.U8C1_t);
    this.detector = new FeatureDetector(w, h);
    this.blurred = new cv.matrix_t(w, h, cv.U8C1_t);
    this.checks = new FrameChecks(w, h);
    this.lk = new GuidedLk(w, h, LK_WIN);
  }

  /**
   * Processes the next frame (`gray`: w×h luma, row-major) taken at `at` ms (any clock; it scales the
   * motion prior when frames come unevenly).
   */
  process(gray: Uint8Array, at = this.lastAt + 1000 / 30): TrackResult {
    const dt = at - this.lastAt;
    this.lastAt = at;
    const [prev, cur] = this.pyr;
    cur.data[0].data.set(gray.subarray(0, this.w * this.h));
    cur.build(cur.data[0], true);
    this.frames++;
    let reacquired = false, inliers = 0;
    if (this.frames === 1) {
      this.pose = IDENTITY;
      this.state = "tracking";
      this.topUp(cur.data[0]);
      this.addKeyframe(true);
      inliers = this.count;
    } else if (this.state === "tracking") {
      inliers = this.track(prev, cur, dt);
      if (!inliers) this.state = "lost";
    }
    if (this.state === "lost") {
      // After a second lost, search every other frame only: a phone pointed away should not burn battery.
      this.lostFrames++;
      if (this.lostFrames < 30 || this.lostFrames % 2 === 0) {
        inliers = this.reacquire(cur.data[0]);
        reacquired = inliers > 0;
      }
      this.motion = null;
    } else this.lostFrames = 0;
    if (this.state === "tracking") {
      if (this.count < MIN_POINTS) this.topUp(cur.data[0]);
      if (this.frames - this.lastKeyframe >= MIN_KEYFRAME_GAP && inliers >= 40 && this.viewChanged()) {
        this.addKeyframe(false);
      }
    }
    this.pyr = [cur, prev];
    return {
      state: this.state,
      pose: normalize(this.pose, this.w, this.h),
      inliers: this.state === "tracking" ? inliers : 0,
      reacquired,
      frame: this.frames,
    };
  }

  /**
   * Remembers the current frame for re-acquisition (e.g. the frame an annotation is anchored on);
   * pinned keyframes are kept, others are replaced as newer ones come.
   */
  addKeyframe(pinned = true): void {
    if (this.state !== "tracking") return;
    const features = this.detector.describe(this.pyr[1].data[0], this.blurred);
    if (features.points.length < MIN_INLIERS) return;
    this.lastKeyframe = this.frames;
    this.keyframes.add(this.pose, features, pinned);
  }

  /**
   * LK from the previous frame, then the pose from (reference, current) pairs; 0 when it fails. Points
   * start where the last step's motion (scaled to this frame's interval `dt`) puts them, so a fast pan
   * tracked at a low frame rate is followed; when that start keeps few points (the camera stopped or
   * turned at once) LK also runs from the points' previous positions, and the pose more points agree
   * with wins.
   */
  private track(prev: Pyramid, cur: Pyramid, dt: number): number {
    if (this.count < MIN_INLIERS) return 0;
    const n = this.count * 2;
    this.prevXY.set(this.curXY.subarray(0, n));
    const motion = this.motion;
    this.motion = null;
    let best: Candidate | null = null;
    if (motion) {
      const k = Math.min(2, Math.max(0, dt / motion.ms));
      for (let i = 0; i < n; i += 2) {
        const x = this.prevXY[i], y = this.prevXY[i + 1];
        const [mx, my] = apply(motion.step, x, y);
        this.predicted[i] = x + (mx - x) * k;
        this.predicted[i + 1] = y + (my - y) * k;
      }
      best = this.follow(prev, cur, this.predicted);
    }
    if (!best || best.inliers.length < PREDICTED_KEEPS * this.count) {
      this.fromRest.set(this.prevXY.subarray(0, n));
      const still = this.follow(prev, cur, this.fromRest);
      if (still && (!best || still.inliers.length > best.inliers.length)) best = still;
    }
    if (!best) return 0;
    const ref: XY[] = [];
    best.inliers.forEach((i, m) => {
      this.curXY[m * 2] = best.xy[i * 2];
      this.curXY[m * 2 + 1] = best.xy[i * 2 + 1];
      ref.push(this.ref[i]);
    });
    this.ref = ref;
    this.count = ref.length;
    this.pose = best.pose;
    this.motion = dt > 0 ? { step: best.step, ms: dt } : null;
    return this.count;
  }

  /** LK from `prevXY` with `xy` as the start (tracked positions on return), then the RANSAC pose. */
  private follow(prev: Pyramid, cur: Pyramid, xy: Float32Array): Candidate | null {
    this.lk.track(prev, cur, this.prevXY, xy, this.count, 20, this.status, 0.03, 0.0008);
    let n = 0;
    const keep: number[] = [];
    const { from, to, mask } = this.ransac;
    for (let i = 0; i < this.count; i++) {
      const x = xy[i * 2], y = xy[i * 2 + 1];
      if (!this.status[i] || x < 2 || y < 2 || x > this.w - 3 || y > this.h - 3) continue;
      from[n].x = this.ref[i].x;
      from[n].y = this.ref[i].y;
      to[n].x = x;
      to[n].y = y;
      keep.push(i);
      n++;
    }
    const pose = this.ransac.fit(n);
    if (!pose) return null;
    const step = mul(pose, invert(this.pose));
    if (!this.checks.plausibleStep(step)) return null;
    return { pose, step, xy, inliers: keep.filter((_, k) => mask.data[k]) };
  }

  /** True when the view moved far enough from the newest keyframe to be worth another one. */
  private viewChanged(): boolean {
    const last = this.keyframes.newestPose;
    if (!last) return true;
    return this.checks.viewChanged(mul(this.pose, invert(last)));
  }

  /** Adds FAST corners in cells without a tracked point, up to MAX_POINTS. */
  private topUp(img: Matrix): void {
    const cell = 12, gw = Math.ceil(this.w / cell);
    const occupied = new Uint8Array(gw * Math.ceil(this.h / cell));
    for (let i = 0; i < this.count; i++) {
      occupied[((this.curXY[i * 2 + 1] / cell) | 0) * gw + ((this.curXY[i * 2] / cell) | 0)] = 1;
    }
    const fresh = this.detector.detect(img, BORDER, MAX_POINTS - this.count, cell, occupied);
    const back = invert(this.pose);
    for (const k of fresh) {
      this.curXY[this.count * 2] = k.x;
      this.curXY[this.count * 2 + 1] = k.y;
      const [x, y] = apply(back, k.x, k.y);
      this.ref[this.count] = { x, y };
      this.count++;
    }
    this.ref.length = this.count;
  }

  /** Matches ORB features of this frame against the keyframes; the inlier count on success, else 0. */
  private reacquire(img: Matrix): number {
    if (!this.keyframes.size) return 0;
    const now = this.detector.describe(img, this.blurred, MIN_INLIERS);
    if (now.points.length < MIN_INLIERS) return 0;
    const found = this.keyframes.reacquire(now, this.ransac, this.checks);
    if (!found) return 0;
    this.pose = found.pose;
    this.state = "tracking";
    this.count = 0;
    this.ref = [];
    this.topUp(img);
    return found.inliers;
  }
}
