/** RANSAC homography estimation from point pairs (jsfeat's 4-point kernel), deterministic from frame to frame. */
import type { Mat3 } from "../../homography.ts";
import { cv, type Matrix, type XY } from "./cv.ts";

/** Fewest pairs that must agree with a pose for it to count (also the fewest points worth tracking). */
export const MIN_INLIERS = 16;
const RANSAC_PX = 2.5;
/** Pairs the buffers hold at most. */
const CAPACITY = 1024;

export class HomographyFit {
  /** The pairs to fit: the caller fills the first `n` of `from` and `to`, then calls fit(n). */
  readonly from: XY[] = Array.from({ length: CAPACITY }, () => ({ x: 0, y: 0 }));
  readonly to: XY[] = Array.from({ length: CAPACITY }, () => ({ x: 0, y: 0 }));
  /** After fit(): 1 for each pair that agrees with the returned homography. */
  readonly mask: Matrix = new cv.matrix_t(CAPACITY, 1, cv.U8C1_t);
  private readonly model: Matrix<Float32Array> = new cv.matrix_t<Float32Array>(3, 3, cv.F32C1_t);
  private readonly kernel = new cv.motion_model.homography2d();
  private seed = 17;

  /**
   * RANSAC homography from the first `n` pairs of from/to (4-point fits by jsfeat's homography kernel,
   * adaptive iteration count), refitted on its inliers; `mask` marks them. Null when too few agree.
   */
  fit(n: number): Mat3 | null {
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
}
