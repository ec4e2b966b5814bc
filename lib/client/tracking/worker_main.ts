/**
 * Inside the tracking worker: frames arrive as small ImageBitmaps (already downscaled by the page),
 * become grayscale, go through the tracker (turned back first when the phone was turned), and each result
 * goes back as a pose.
 */
import { OrientedTracker } from "./orientation.ts";

export type ToWorker =
  | { type: "frame"; bitmap: ImageBitmap; at: number }
  | { type: "keyframe" };

export interface WorkerPose {
  type: "pose";
  epoch: string;
  seq: number;
  state: "tracking" | "lost";
  pose: number[];
  inliers: number;
  reacquired: boolean;
  /** The page's time stamp of the frame (ms, performance.timeOrigin based). */
  at: number;
  /** Time spent in the worker on this frame (gray conversion + tracking), ms. */
  ms: number;
  /** Of which tracking alone, ms. */
  trackMs: number;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: WorkerPose): void;
}

/**
 * The tracker of one camera, and the session (epoch) its poses belong to: frames of another size (another
 * camera) start a new one; a phone turned between portrait and landscape only swaps width and height, and
 * the same tracker follows it (orientation.ts).
 */
export class TrackingSession {
  private tracker?: OrientedTracker;
  epoch = "";
  private seq = 0;

  /** Tracks one frame (`gray`: w×h luma taken at `at`); `ms` is what the frame cost before tracking. */
  frame(gray: Uint8Array, w: number, h: number, at: number, ms = 0): WorkerPose {
    if (!this.tracker || !this.tracker.accepts(w, h)) {
      this.tracker = new OrientedTracker(w, h);
      this.epoch = crypto.randomUUID().slice(0, 8);
      this.seq = 0;
    }
    const t1 = performance.now();
    const r = this.tracker.process(gray, w, h, at);
    const trackMs = performance.now() - t1;
    return {
      type: "pose",
      epoch: this.epoch,
      seq: ++this.seq,
      state: r.state,
      pose: r.pose.map((v) => Math.round(v * 1e6) / 1e6),
      inliers: r.inliers,
      reacquired: r.reacquired,
      at,
      ms: ms + trackMs,
      trackMs,
    };
  }

  /** Keeps the current frame for re-acquisition (an annotation was anchored on it). */
  keyframe(): void {
    this.tracker?.addKeyframe(true);
  }
}

export function serveTracker(scope: WorkerScope): void {
  const session = new TrackingSession();
  let canvas: OffscreenCanvas | undefined;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  let gray = new Uint8Array(0);
  scope.onmessage = ({ data }) => {
    if (data.type === "keyframe") return session.keyframe();
    const t0 = performance.now();
    const { bitmap } = data, w = bitmap.width, h = bitmap.height;
    if (canvas?.width !== w || canvas.height !== h) {
      canvas = new OffscreenCanvas(w, h);
      ctx = canvas.getContext("2d", { willReadFrequently: true });
      gray = new Uint8Array(w * h);
    }
    ctx!.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = ctx!.getImageData(0, 0, w, h).data;
    for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
      gray[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
    }
    scope.postMessage(session.frame(gray, w, h, data.at, performance.now() - t0));
  };
}
