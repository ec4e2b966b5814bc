/**
 * A phone turned between portrait and landscape: its camera's frames arrive turned by a quarter (width and
 * height swap). The tracker goes on in the orientation it started in — each frame is turned back before it
 * is tracked — and its pose is turned forward to the frame as it now arrives. So drawings anchored before
 * the turn stay on the object after it: same tracker, same session (epoch), same keyframes.
 */
import { type Mat3, mul } from "../../homography.ts";
import { Tracker, type TrackResult } from "./tracker.ts";

/** Quarter turns clockwise. */
type Quarter = 1 | 3;

/** Maps normalised coordinates in an image to those in the same image turned `q` quarters clockwise. */
const TURNED: Record<Quarter, Mat3> = {
  1: [0, -1, 1, 1, 0, 0, 0, 0, 1], // (u, v) → (1 − v, u)
  3: [0, 1, 0, -1, 0, 1, 0, 0, 1], // (u, v) → (v, 1 − u)
};

/** `src` (w×h luma) turned `q` quarters clockwise: an h×w image. */
export function turnGray(
  src: Uint8Array,
  w: number,
  h: number,
  q: Quarter,
  out: Uint8Array = new Uint8Array(w * h),
) {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = q === 1 ? x * h + (h - 1 - y) : (w - 1 - x) * h + y;
      out[i] = src[row + x];
    }
  }
  return out;
}

export class OrientedTracker {
  readonly tracker: Tracker;
  /** How the frames arrive now, against the tracker's orientation: 0, or turned a quarter one way. */
  private turned: 0 | Quarter = 0;
  /** The last frame, in the tracker's orientation (to tell which way the phone turned). */
  private readonly last: Uint8Array;
  private readonly back: Uint8Array;

  constructor(readonly w: number, readonly h: number) {
    this.tracker = new Tracker(w, h);
    this.last = new Uint8Array(w * h);
    this.back = new Uint8Array(w * h);
  }

  /** Whether frames of this size can be followed: the tracker's orientation, or turned a quarter. */
  accepts(w: number, h: number): boolean {
    return (w === this.w && h === this.h) || (w === this.h && h === this.w);
  }

  /** Tracks a frame (`gray`: w×h luma, an accepted size); the pose is for the frame as it arrived. */
  process(gray: Uint8Array, w: number, h: number, at?: number): TrackResult {
    let frame = gray;
    if (w === this.w && h === this.h) this.turned = 0;
    else {
      // Which way it turned is told by the picture: turned back the right way, it looks like the last frame.
      if (!this.turned) this.turned = this.closer(gray, w, h);
      frame = turnGray(gray, w, h, (4 - this.turned) as Quarter, this.back);
    }
    this.last.set(frame);
    const r = this.tracker.process(frame, at);
    return this.turned ? { ...r, pose: mul(TURNED[this.turned], r.pose) } : r;
  }

  addKeyframe(pinned = true): void {
    this.tracker.addKeyframe(pinned);
  }

  /** The quarter the frames turned by: the one whose undoing best matches the last frame (sum of differences). */
  private closer(gray: Uint8Array, w: number, h: number): Quarter {
    const diff = (q: Quarter) => {
      const back = turnGray(gray, w, h, (4 - q) as Quarter, this.back);
      let sum = 0;
      for (let i = 0; i < back.length; i += 7) sum += Math.abs(back[i] - this.last[i]);
      return sum;
    };
    return diff(1) <= diff(3) ? 1 : 3;
  }
}
