/** Re-acquisition: the keyframes a tracker remembers, and finding the scene again by matching ORB features to them. */
import { type Mat3, mul } from "../../homography.ts";
import { type Described, match } from "./features.ts";
import type { FrameChecks } from "./frame_checks.ts";
import { type HomographyFit, MIN_INLIERS } from "./homography_fit.ts";

interface Keyframe {
  /** Reference → keyframe, pixels. */
  pose: Mat3;
  features: Described;
  pinned: boolean;
}

const MAX_KEYFRAMES = 8;

export class Keyframes {
  private readonly list: Keyframe[] = [];
  private turn = 0;

  get size(): number {
    return this.list.length;
  }

  /** The pose of the newest keyframe (reference → keyframe, pixels). */
  get newestPose(): Mat3 | undefined {
    return this.list.at(-1)?.pose;
  }

  /** Pinned keyframes are kept; others are replaced as newer ones come. */
  add(pose: Mat3, features: Described, pinned: boolean): void {
    this.list.push({ pose, features, pinned });
    while (this.list.length > MAX_KEYFRAMES) {
      const i = this.list.findIndex((k) => !k.pinned);
      this.list.splice(i >= 0 ? i : 1, 1);
    }
  }

  /**
   * Matches the features of this frame (`now`) against the keyframes; the pose (reference → now, pixels) and
   * its inlier count on success, else null. Uses `fit`'s pair buffers.
   */
  reacquire(now: Described, fit: HomographyFit, checks: FrameChecks): { pose: Mat3; inliers: number } | null {
    // Every pinned keyframe, each frame (the first frame and the frames annotations were drawn on: their
    // poses carry the least drift, while a keyframe taken automatically may hold a pose the tracker had
    // wrong after a fast motion), then two of the others, newest first, in turns.
    const pinned = this.list.filter((k) => k.pinned).reverse();
    const others = this.list.filter((k) => !k.pinned).reverse();
    const some = others.length <= 2 ? others : [0, 1].map((k) => others[(this.turn + k) % others.length]);
    const tries = [...pinned, ...some];
    this.turn += 2;
    for (const kf of tries) {
      const pairs = match(now, kf.features);
      if (pairs.length < MIN_INLIERS) continue;
      pairs.forEach(([i, j], k) => {
        fit.from[k].x = kf.features.points[j].x;
        fit.from[k].y = kf.features.points[j].y;
        fit.to[k].x = now.points[i].x;
        fit.to[k].y = now.points[i].y;
      });
      const H = fit.fit(pairs.length);
      // A wrong match set can still fit a homography: keep only a sensible view of the keyframe.
      if (!H || !checks.quad(H, 0.3, 3)) continue;
      let inliers = 0;
      for (let k = 0; k < pairs.length; k++) inliers += fit.mask.data[k];
      if (inliers < MIN_INLIERS) continue;
      return { pose: mul(H, kf.pose), inliers };
    }
    return null;
  }
}
