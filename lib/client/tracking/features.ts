/**
 * Feature helpers over jsfeat: FAST corners spread over the frame, ORB descriptors (oriented by the
 * intensity centroid) and Hamming matching with a ratio test.
 */
import { cv, type Keypoint, type Matrix, type XY } from "./cv.ts";

export const DESCRIPTOR_BYTES = 32;
const PATCH_RADIUS = 15;
const UMAX = Array.from(
  { length: PATCH_RADIUS + 1 },
  (_, v) => Math.floor(Math.sqrt(PATCH_RADIUS ** 2 - v * v)),
);

export interface Described {
  points: XY[];
  descriptors: Uint32Array; // DESCRIPTOR_BYTES / 4 words per point
}

export class FeatureDetector {
  private readonly corners: Keypoint[];
  private readonly descriptors: Matrix;

  constructor(readonly w: number, readonly h: number, readonly maxDescribed = 300) {
    this.corners = Array.from({ length: (w * h) >> 1 }, () => new cv.keypoint_t());
    this.descriptors = new cv.matrix_t(DESCRIPTOR_BYTES, maxDescribed, cv.U8C1_t);
  }

  /**
   * The strongest FAST corners at least `cell` pixels apart (one per grid cell), skipping cells
   * already `occupied` (a grid of cell flags, for topping up tracked points).
   */
  detect(img: Matrix, border: number, max: number, cell = 8, occupied?: Uint8Array): Keypoint[] {
    cv.fast_corners.set_threshold(12);
    const n = cv.fast_corners.detect(img, this.corners, border);
    const found = this.corners.slice(0, n).sort((a, b) => b.score - a.score);
    const gw = Math.ceil(this.w / cell),
      taken = occupied ? occupied.slice() : new Uint8Array(gw * Math.ceil(this.h / cell));
    const out: Keypoint[] = [];
    for (const k of found) {
      const c = ((k.y / cell) | 0) * gw + ((k.x / cell) | 0);
      if (taken[c]) continue;
      taken[c] = 1;
      out.push(k);
      if (out.length >= max) break;
    }
    return out;
  }

  /** Corners with ORB descriptors, on a blurred image (`blurred` is overwritten). */
  describe(img: Matrix, blurred: Matrix, minPoints = 0): Described {
    const kps = this.detect(img, 20, this.maxDescribed, 10);
    // Too little texture to match anything (a plain wall, a covered lens): skip the costly part.
    if (kps.length < minPoints) return { points: [], descriptors: new Uint32Array(0) };
    cv.imgproc.gaussian_blur(img, blurred, 5, 0);
    for (const k of kps) k.angle = icAngle(blurred.data, this.w, k.x, k.y);
    cv.orb.describe(blurred, kps, kps.length, this.descriptors);
    const bytes = this.descriptors.data.subarray(0, kps.length * DESCRIPTOR_BYTES);
    return {
      points: kps.map((k) => ({ x: k.x, y: k.y })),
      descriptors: new Uint32Array(Uint8Array.from(bytes).buffer),
    };
  }
}

function icAngle(img: ArrayLike<number>, w: number, x: number, y: number): number {
  let m01 = 0, m10 = 0;
  for (let v = -PATCH_RADIUS; v <= PATCH_RADIUS; v++) {
    const d = UMAX[Math.abs(v)], row = (y + v) * w + x;
    for (let u = -d; u <= d; u++) {
      const val = img[row + u];
      m10 += u * val;
      m01 += v * val;
    }
  }
  return Math.atan2(m01, m10);
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
}

/** Pairs (index in `a`, index in `b`) whose best match passes the ratio test and a distance cap. */
export function match(a: Described, b: Described, maxDistance = 64, ratio = 0.8): [number, number][] {
  const W = DESCRIPTOR_BYTES / 4, na = a.points.length, nb = b.points.length;
  const da = a.descriptors, db = b.descriptors, pairs: [number, number][] = [];
  for (let i = 0; i < na; i++) {
    let best = 1e9, second = 1e9, bi = -1;
    for (let j = 0; j < nb; j++) {
      let d = 0;
      for (let k = 0; k < W && d < second; k++) d += popcount(da[i * W + k] ^ db[j * W + k]);
      if (d < best) {
        second = best;
        best = d;
        bi = j;
      } else if (d < second) second = d;
    }
    if (bi >= 0 && best <= maxDistance && best < ratio * second) pairs.push([i, bi]);
  }
  return pairs;
}
