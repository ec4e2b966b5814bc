/**
 * Follows a mostly planar scene in a grayscale camera feed. Points are tracked from frame to frame
 * with pyramidal Lucas–Kanade (jsfeat); each remembers where it sits in the reference frame (the
 * first frame), so the pose — the homography reference → current frame — is fitted directly by
 * RANSAC on (reference, current) pairs and does not accumulate frame-to-frame error. Lost points are
 * replaced by fresh FAST corners. When the fit fails (too fast, occlusion, the scene left the
 * picture) the tracker is "lost" and matches ORB features of each new frame against its keyframes
 * (the first frame, the frames annotations were drawn on, a recent good frame) until the scene
 * comes back.
 */
import { apply, IDENTITY, invert, type Mat3, mul, normalize } from "../../homography.ts";
import { cv, type Matrix, type Pyramid, type XY } from "./cv.ts";
import { type Described, FeatureDetector, match } from "./features.ts";

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

interface Keyframe {
  /** Reference → keyframe, pixels. */
  pose: Mat3;
  features: Described;
  pinned: boolean;
}

const MAX_POINTS = 150;
const MIN_POINTS = 90;
const BORDER = 12;
const LK_WIN = 15;
const RANSAC_PX = 2.5;
const MIN_INLIERS = 16;
const MAX_KEYFRAMES = 8;
/** Processed frames between automatic keyframes at least (they are taken when the view changed). */
const MIN_KEYFRAME_GAP = 8;
const LEVELS = 4;

export class Tracker {
  state: TrackState = "lost";
  private pyr: [Pyramid, Pyramid];
  private prevXY = new Float32Array(MAX_POINTS * 2);
  private curXY = new Float32Array(MAX_POINTS * 2);
  private status = new Uint8Array(MAX_POINTS);
  private ref: XY[] = [];
  private count = 0;
  private pose: Mat3 = IDENTITY;
  private frames = 0;
  private lastKeyframe = 0;
  private turn = 0;
  private seed = 17;
  private lostFrames = 0;
  private readonly keyframes: Keyframe[] = [];
  private readonly detector: FeatureDetector;
  private readonly blurred: Matrix;
  private readonly model: Matrix<Float32Array>;
  private readonly mask: Matrix;
  private readonly kernel = new cv.motion_model.homography2d();
  private readonly from: XY[];
  private readonly to: XY[];
  private readonly corners: [number, number][];

  constructor(readonly w: number, readonly h: number) {
    this.pyr = [new cv.pyramid_t(LEVELS), new cv.pyramid_t(LEVELS)];
    for (const p of this.pyr) p.allocate(w, h, cv.U8C1_t);
    this.detector = new FeatureDetector(w, h);
    this.blurred = new cv.matrix_t(w, h, cv.U8C1_t);
    this.model = new cv.matrix_t<Float32Array>(3, 3, cv.F32C1_t);
    this.mask = new cv.matrix_t(1024, 1, cv.U8C1_t);
    this.from = Array.from({ length: 1024 }, () => ({ x: 0, y: 0 }));
    this.to = Array.from({ length: 1024 }, () => ({ x: 0, y: 0 }));
    this.corners = [[0, 0], [w, 0], [w, h], [0, h]];
  }

  /** Processes the next frame (`gray`: w×h luma, row-major). */
  process(gray: Uint8Array): TrackResult {
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
      inliers = this.track(prev, cur);
      if (!inliers) this.state = "lost";
    }
    if (this.state === "lost") {
      // After a second lost, search every other frame only: a phone pointed away should not burn battery.
      this.lostFrames++;
      if (this.lostFrames < 30 || this.lostFrames % 2 === 0) {
        inliers = this.reacquire(cur.data[0]);
        reacquired = inliers > 0;
      }
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
    this.keyframes.push({ pose: this.pose, features, pinned });
    while (this.keyframes.length > MAX_KEYFRAMES) {
      const i = this.keyframes.findIndex((k) => !k.pinned);
      this.keyframes.splice(i >= 0 ? i : 1, 1);
    }
  }

  /** LK from the previous frame, then the pose from (reference, current) pairs; 0 when it fails. */
  private track(prev: Pyramid, cur: Pyramid): number {
    if (this.count < MIN_INLIERS) return 0;
    this.prevXY.set(this.curXY.subarray(0, this.count * 2));
    cv.optical_flow_lk.track(
      prev,
      cur,
      this.prevXY,
      this.curXY,
      this.count,
      LK_WIN,
      20,
      this.status,
      0.03,
      0.0008,
    );
    let n = 0;
    const keep: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const x = this.curXY[i * 2], y = this.curXY[i * 2 + 1];
      if (!this.status[i] || x < 2 || y < 2 || x > this.w - 3 || y > this.h - 3) continue;
      this.from[n].x = this.ref[i].x;
      this.from[n].y = this.ref[i].y;
      this.to[n].x = x;
      this.to[n].y = y;
      keep.push(i);
      n++;
    }
    const H = this.fit(n);
    if (!H || !this.plausible(H)) return 0;
    // Keep the inliers only.
    const ref: XY[] = [];
    let m = 0;
    for (let k = 0; k < n; k++) {
      if (!this.mask.data[k]) continue;
      const i = keep[k];
      this.curXY[m * 2] = this.curXY[i * 2];
      this.curXY[m * 2 + 1] = this.curXY[i * 2 + 1];
      ref.push(this.ref[i]);
      m++;
    }
    this.ref = ref;
    this.count = m;
    this.pose = H;
    return m;
  }

  /**
   * RANSAC homography from the first `n` pairs of from/to (4-point fits by jsfeat's homography kernel,
   * adaptive iteration count), refitted on its inliers; `mask` marks them. Null when too few agree.
   */
  private fit(n: number): Mat3 | null {
    if (n < MIN_INLIERS) return null;
    const kernel = this.kernel as { run(f: XY[], t: XY[], m: Matrix<Float32Array>, c: number): number };
    const sf: XY[] = [], st: XY[] = [], pick: number[] = [];
    let best = 0, bestModel: Mat3 | null = null, iters = 200;
    for (let it = 0; it < iters; it++) {
      pick.length = 0;
      while (pick.length < 4) {
        const k = (this.random() * n) | 0;
        if (!pick.includes(k)) pick.push(k);
      }
      for (let k = 0; k < 4; k++) {
        sf[k] = this.from[pick[k]];
        st[k] = this.to[pick[k]];
      }
      if (kernel.run(sf, st, this.model, 4) <= 0) continue;
      const m = Array.from(this.model.data.subarray(0, 9));
      const count = this.inliers(m, n);
      if (count > best) {
        best = count;
        bestModel = m;
        const w = best / n;
        iters = Math.min(200, Math.ceil(Math.log(0.005) / Math.log(Math.max(1e-9, 1 - w ** 4))));
      }
    }
    if (!bestModel || best < MIN_INLIERS || best < 0.3 * n) return null;
    this.inliers(bestModel, n);
    const fi: XY[] = [], ti: XY[] = [];
    for (let k = 0; k < n; k++) {
      if (this.mask.data[k]) {
        fi.push(this.from[k]);
        ti.push(this.to[k]);
      }
    }
    if (kernel.run(fi, ti, this.model, fi.length) <= 0) return null;
    const refined = Array.from(this.model.data.subarray(0, 9));
    return this.inliers(refined, n) >= best * 0.9 ? refined : (this.inliers(bestModel, n), bestModel);
  }

  /** Counts pairs within RANSAC_PX of `m`'s prediction and marks them in `mask`. */
  private inliers(m: Mat3, n: number): number {
    let count = 0;
    const t2 = RANSAC_PX * RANSAC_PX;
    for (let k = 0; k < n; k++) {
      const f = this.from[k], t = this.to[k];
      const z = m[6] * f.x + m[7] * f.y + m[8];
      const dx = (m[0] * f.x + m[1] * f.y + m[2]) / z - t.x, dy = (m[3] * f.x + m[4] * f.y + m[5]) / z - t.y;
      const ok = dx * dx + dy * dy <= t2 ? 1 : 0;
      this.mask.data[k] = ok;
      count += ok;
    }
    return count;
  }

  /** A small deterministic PRNG (mulberry32): the same frames give the same poses. */
  private random(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), 1 | t);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Rejects fits that would move the picture implausibly far or fold it since the last frame. */
  private plausible(H: Mat3): boolean {
    const step = mul(H, invert(this.pose));
    const q = this.quad(step, 0.5, 2);
    if (!q) return false;
    for (let i = 0; i < 4; i++) {
      if (Math.hypot(q[i][0] - this.corners[i][0], q[i][1] - this.corners[i][1]) > 0.45 * this.w) {
        return false;
      }
    }
    return true;
  }

  /**
   * The frame's corners mapped through `m` when they still form a convex quadrilateral whose area is
   * within [minArea, maxArea] times the frame's; else null (a folded or absurd homography).
   */
  private quad(m: Mat3, minArea: number, maxArea: number): [number, number][] | null {
    if (!m.every(Number.isFinite)) return null;
    const q = this.corners.map(([x, y]) => apply(m, x, y));
    let area = 0, sign = 0;
    for (let i = 0; i < 4; i++) {
      const [x0, y0] = q[i], [x1, y1] = q[(i + 1) % 4], [x2, y2] = q[(i + 2) % 4];
      area += x0 * y1 - x1 * y0;
      const turn = Math.sign((x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1));
      if (sign && turn !== sign) return null;
      sign = turn;
    }
    const ratio = area / 2 / (this.w * this.h);
    return ratio >= minArea && ratio <= maxArea ? q : null;
  }

  /** True when the view moved far enough from the newest keyframe to be worth another one. */
  private viewChanged(): boolean {
    const last = this.keyframes.at(-1);
    if (!last) return true;
    const q = this.quad(mul(this.pose, invert(last.pose)), 0.01, 100);
    if (!q) return true;
    const ratio = Math.abs(
      q.reduce((a, [x0, y0], i) => a + x0 * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * y0, 0) / 2 /
        (this.w * this.h),
    );
    const shift = Math.hypot(
      (q[0][0] + q[2][0]) / 2 - this.w / 2,
      (q[0][1] + q[2][1]) / 2 - this.h / 2,
    );
    const turn = Math.abs(Math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0]));
    return shift > 0.2 * this.w || ratio < 0.8 || ratio > 1.25 || turn > 0.1;
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
    if (!this.keyframes.length) return 0;
    const now = this.detector.describe(img, this.blurred, MIN_INLIERS);
    if (now.points.length < MIN_INLIERS) return 0;
    // Pinned keyframes first (the frames annotations were drawn on: their poses carry the least drift), then
    // the newest (the view most like the one just lost); at most two keyframes a frame, in turns.
    const order = [...this.keyframes].reverse().sort((a, b) => Number(b.pinned) - Number(a.pinned));
    const tries = order.length <= 2 ? order : [0, 1].map((k) => order[(this.turn + k) % order.length]);
    this.turn += 2;
    for (const kf of tries) {
      const pairs = match(now, kf.features);
      if (pairs.length < MIN_INLIERS) continue;
      pairs.forEach(([i, j], k) => {
        this.from[k].x = kf.features.points[j].x;
        this.from[k].y = kf.features.points[j].y;
        this.to[k].x = now.points[i].x;
        this.to[k].y = now.points[i].y;
      });
      const H = this.fit(pairs.length);
      // A wrong match set can still fit a homography: keep only a sensible view of the keyframe.
      if (!H || !this.quad(H, 0.3, 3)) continue;
      let inliers = 0;
      for (let k = 0; k < pairs.length; k++) inliers += this.mask.data[k];
      if (inliers < MIN_INLIERS) continue;
      this.pose = mul(H, kf.pose);
      this.state = "tracking";
      this.count = 0;
      this.ref = [];
      this.topUp(img);
      return inliers;
    }
    return 0;
  }
}
