/** Sanity checks of a homography by where it maps the frame's corners: folded, absurd, or far moves. */
import { apply, type Mat3 } from "../../homography.ts";

export class FrameChecks {
  private readonly corners: [number, number][];

  constructor(readonly w: number, readonly h: number) {
    this.corners = [[0, 0], [w, 0], [w, h], [0, h]];
  }

  /** Rejects a frame-to-frame `step` that would move the picture implausibly far or fold it. */
  plausibleStep(step: Mat3): boolean {
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
  quad(m: Mat3, minArea: number, maxArea: number): [number, number][] | null {
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

  /** True when `moved` (keyframe → now) shifts, scales or turns the view enough to be worth another keyframe. */
  viewChanged(moved: Mat3): boolean {
    const q = this.quad(moved, 0.01, 100);
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
}
