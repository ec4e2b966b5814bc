/**
 * The page side of tracking (loaded with a dynamic import only when tracking is on): every new frame
 * of the local camera's <video>, downscaled to TRACK_SIDE on its long side, goes to the tracking worker. One frame
 * is in the worker at a time and at most one waits (the newest: an older waiting one is dropped), so the
 * worker never idles while the page grabs the next frame, and a slow device tracks fewer frames instead
 * of queueing them.
 */
import { workerUrl } from "../../../server/fresh/client.ts";
import type { ToWorker, WorkerPose } from "./worker_main.ts";

/**
 * The long side of the frames tracked: a phone held upright tracks 180×320 as it tracks 320×180 sideways
 * (the same cost, and a turn only swaps width and height, see orientation.ts).
 */
export const TRACK_SIDE = 320;

export class CameraTracker {
  private worker?: Worker;
  private busy = false;
  /** The newest frame grabbed while the worker was busy. */
  private waiting?: { bitmap: ImageBitmap; at: number };
  private stopped = false;
  private lastGrab = 0;
  /** Frames closer together than this are not tracked (a lower rate while nothing is anchored). */
  minIntervalMs = 0;
  /** Frames tracked and worker time per frame (diagnostics, bench). */
  readonly stats = { frames: 0, skipped: 0, workerMs: [] as number[], trackMs: [] as number[] };

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onPose: (p: WorkerPose) => void,
    url = workerUrl("tracking"),
  ) {
    if (!url) throw new Error("tracking worker not available");
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = ({ data }: MessageEvent<WorkerPose>) => {
      this.busy = false;
      const next = this.waiting;
      this.waiting = undefined;
      if (next) this.post(next.bitmap, next.at);
      this.stats.frames++;
      if (this.stats.workerMs.push(data.ms) > 600) this.stats.workerMs.shift();
      if (this.stats.trackMs.push(data.trackMs) > 600) this.stats.trackMs.shift();
      this.onPose(data);
    };
    this.worker.onerror = (e) => console.warn("tracking worker failed", e.message);
    this.next();
  }

  private next() {
    if (this.stopped) return;
    this.video.requestVideoFrameCallback(() => {
      this.grab().finally(() => this.next());
    });
  }

  private async grab() {
    const v = this.video;
    if (!v.videoWidth || !v.videoHeight) return;
    const now = performance.now();
    if (now - this.lastGrab < this.minIntervalMs) {
      this.stats.skipped++;
      return;
    }
    this.lastGrab = now;
    try {
      const scale = TRACK_SIDE / Math.max(v.videoWidth, v.videoHeight);
      const even = (n: number) => Math.round((n * scale) / 2) * 2;
      const at = performance.timeOrigin + performance.now();
      const bitmap = await createImageBitmap(v, {
        resizeWidth: even(v.videoWidth),
        resizeHeight: even(v.videoHeight),
        resizeQuality: "low",
      });
      if (this.stopped) return bitmap.close();
      if (!this.busy) return this.post(bitmap, at);
      if (this.waiting) {
        this.waiting.bitmap.close();
        this.stats.skipped++;
      }
      this.waiting = { bitmap, at };
    } catch { /* the video has no frame right now */ }
  }

  private post(bitmap: ImageBitmap, at: number) {
    this.busy = true;
    this.worker?.postMessage({ type: "frame", bitmap, at } satisfies ToWorker, [bitmap]);
  }

  /** Keeps the current frame for re-acquisition (an annotation was anchored on it). */
  keyframe(): void {
    this.worker?.postMessage({ type: "keyframe" } satisfies ToWorker);
  }

  stop(): void {
    this.stopped = true;
    this.waiting?.bitmap.close();
    this.waiting = undefined;
    this.worker?.terminate();
    this.worker = undefined;
  }
}
