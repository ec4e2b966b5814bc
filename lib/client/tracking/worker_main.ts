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

export function serveTracker(scope: WorkerScope): void {
  let tracker: OrientedTracker | undefined;
  let canvas: OffscreenCanvas | undefined;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  let gray = new Uint8Array(0);
  let epoch = "";
  let seq = 0;
  scope.onmessage = ({ data }) => {
    if (data.type === "keyframe") return tracker?.addKeyframe(true);
    const t0 = performance.now();
    const { bitmap } = data, w = bitmap.width, h = bitmap.height;
    if (!tracker || !tracker.accepts(w, h)) {
      // Another frame size (another camera): a new reference frame, hence a new epoch. A phone turned
      // between portrait and landscape swaps width and height only: the same tracker follows it.
      tracker = new OrientedTracker(w, h);
      epoch = crypto.randomUUID().slice(0, 8);
      seq = 0;
    }
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
    const t1 = performance.now();
    const r = tracker.process(gray, w, h, data.at);
    scope.postMessage({
      type: "pose",
      epoch,
      seq: ++seq,
      state: r.state,
      pose: r.pose.map((v) => Math.round(v * 1e6) / 1e6),
      inliers: r.inliers,
      reacquired: r.reacquired,
      at: data.at,
      ms: performance.now() - t0,
      trackMs: performance.now() - t1,
    });
  };
}
