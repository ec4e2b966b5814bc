/**
 * Pyramidal Lucas–Kanade optical flow that starts from a guess. jsfeat's `optical_flow_lk.track`
 * (MIT, Eugene Zatepyakin, a rewrite of OpenCV's) starts every point at its previous position, so a
 * motion larger than the pyramid can follow between two tracked frames (a fast pan on a device that
 * tracks few frames) converges on the wrong texture. This is that function with one change: the
 * search starts where `currXY` says on entry (the tracker's motion prediction). Same fixed-point
 * arithmetic, so a zero-motion guess gives jsfeat's results exactly.
 */
import { cv, type Matrix, type Pyramid } from "./cv.ts";

const W_BITS14 = 14, W_BITS4 = 14, W_BITS1M5 = W_BITS4 - 5;
const W_BITS1M51 = 1 << (W_BITS1M5 - 1), W_BITS14_ = 1 << W_BITS14, W_BITS41 = 1 << (W_BITS4 - 1);
const FLT_SCALE = 1 / (1 << 20), FLT_EPSILON = 0.00000011920929;

export class GuidedLk {
  private readonly patch: Int32Array;
  private readonly patchDeriv: Int32Array;
  private readonly deriv: Matrix<Int32Array>;

  constructor(w: number, h: number, private readonly win: number) {
    this.patch = new Int32Array(win * win);
    this.patchDeriv = new Int32Array(win * win * 2);
    this.deriv = new cv.matrix_t<Int32Array>(w, h, cv.S32C2_t);
  }

  /**
   * Tracks `count` points from `prevXY` (in `prev`) into `curr`; `currXY` holds each point's starting
   * guess on entry and its tracked position on return (level-0 pixels). `status[i]` is 0 for a lost point.
   */
  track(
    prev: Pyramid,
    curr: Pyramid,
    prevXY: Float32Array,
    currXY: Float32Array,
    count: number,
    maxIter: number,
    status: Uint8Array,
    eps: number,
    minEigen: number,
  ): void {
    const win = this.win, half = (win - 1) * 0.5, area2 = win * win * 2;
    const iwin = this.patch, dwin = this.patchDeriv, d = this.deriv.data;
    const w0 = prev.data[0].cols, h0 = prev.data[0].rows, maxLevel = prev.levels - 1;
    const eps2 = eps * eps;
    status.fill(1, 0, count);
    for (let level = maxLevel; level >= 0; level--) {
      const sc = 1 / (1 << level), lw = w0 >> level, lh = h0 >> level, dstep = lw << 1;
      const imgPrev = prev.data[level].data, imgNext = curr.data[level].data;
      const right = lw - win, bottom = lh - win;
      // Resizes `deriv` to this level within its level-0 buffer.
      cv.imgproc.scharr_derivatives(prev.data[level], this.deriv);
      for (let p = 0; p < count; p++) {
        const i = p << 1, j = i + 1;
        let px = prevXY[i] * sc, py = prevXY[j] * sc;
        // The one change from jsfeat: the top level starts at the guess, not at the previous position.
        let nx = level === maxLevel ? currXY[i] * sc : currXY[i] * 2;
        let ny = level === maxLevel ? currXY[j] * sc : currXY[j] * 2;
        currXY[i] = nx;
        currXY[j] = ny;
        px -= half;
        py -= half;
        const ipx = px | 0, ipy = py | 0;
        if (ipx <= 0 || ipx >= right || ipy <= 0 || ipy >= bottom) {
          if (level === 0) status[p] = 0;
          continue;
        }
        let a = px - ipx, b = py - ipy;
        let w00 = ((1 - a) * (1 - b) * W_BITS14_ + 0.5) | 0;
        let w01 = (a * (1 - b) * W_BITS14_ + 0.5) | 0;
        let w10 = ((1 - a) * b * W_BITS14_ + 0.5) | 0;
        let w11 = W_BITS14_ - w00 - w01 - w10;
        let a11 = 0, a12 = 0, a22 = 0;
        for (let y = 0; y < win; y++) {
          let src = (y + ipy) * lw + ipx, ds = src << 1, ip = y * win, dp = ip << 1;
          for (let x = 0; x < win; x++, src++, ip++, ds += 2) {
            const v = (imgPrev[src] * w00 + imgPrev[src + 1] * w01 + imgPrev[src + lw] * w10 +
              imgPrev[src + lw + 1] * w11 + W_BITS1M51) >> W_BITS1M5;
            const ix = (d[ds] * w00 + d[ds + 2] * w01 + d[ds + dstep] * w10 + d[ds + dstep + 2] * w11 +
              W_BITS41) >> W_BITS4;
            const iy = (d[ds + 1] * w00 + d[ds + 3] * w01 + d[ds + dstep + 1] * w10 +
              d[ds + dstep + 3] * w11 + W_BITS41) >> W_BITS4;
            iwin[ip] = v;
            dwin[dp++] = ix;
            dwin[dp++] = iy;
            a11 += ix * ix;
            a12 += ix * iy;
            a22 += iy * iy;
          }
        }
        a11 *= FLT_SCALE;
        a12 *= FLT_SCALE;
        a22 *= FLT_SCALE;
        let det = a11 * a22 - a12 * a12;
        const minEig = (a22 + a11 - Math.sqrt((a11 - a22) * (a11 - a22) + 4 * a12 * a12)) / area2;
        if (minEig < minEigen || det < FLT_EPSILON) {
          if (level === 0) status[p] = 0;
          continue;
        }
        det = 1 / det;
        nx -= half;
        ny -= half;
        let pdx = 0, pdy = 0;
        for (let iter = 0; iter < maxIter; iter++) {
          const inx = nx | 0, iny = ny | 0;
          if (inx <= 0 || inx >= right || iny <= 0 || iny >= bottom) {
            if (level === 0) status[p] = 0;
            break;
          }
          a = nx - inx;
          b = ny - iny;
          w00 = ((1 - a) * (1 - b) * W_BITS14_ + 0.5) | 0;
          w01 = (a * (1 - b) * W_BITS14_ + 0.5) | 0;
          w10 = ((1 - a) * b * W_BITS14_ + 0.5) | 0;
          w11 = W_BITS14_ - w00 - w01 - w10;
          let b1 = 0, b2 = 0;
          for (let y = 0; y < win; y++) {
            let jp = (y + iny) * lw + inx, ip = y * win, dp = ip << 1;
            for (let x = 0; x < win; x++, jp++, ip++) {
              const v = ((imgNext[jp] * w00 + imgNext[jp + 1] * w01 + imgNext[jp + lw] * w10 +
                imgNext[jp + lw + 1] * w11 + W_BITS1M51) >> W_BITS1M5) - iwin[ip];
              b1 += v * dwin[dp++];
              b2 += v * dwin[dp++];
            }
          }
          b1 *= FLT_SCALE;
          b2 *= FLT_SCALE;
          const dx = (a12 * b2 - a22 * b1) * det, dy = (a12 * b1 - a11 * b2) * det;
          nx += dx;
          ny += dy;
          currXY[i] = nx + half;
          currXY[j] = ny + half;
          if (dx * dx + dy * dy <= eps2) break;
          if (iter > 0 && Math.abs(dx + pdx) < 0.01 && Math.abs(dy + pdy) < 0.01) {
            currXY[i] -= dx * 0.5;
            currXY[j] -= dy * 0.5;
            break;
          }
          pdx = dx;
          pdy = dy;
        }
      }
    }
  }
}
