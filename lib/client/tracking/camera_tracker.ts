/**
 * The page side of tracking (loaded with a dynamic import only when tracking is on): every new frame
 * of the local camera's <video>, downscaled to TRACK_WIDTH wide, goes to the tracking worker — one
 * frame in flight at a time, so a slow device tracks fewer frames instead of queueing them.
 */
import { workerUrl } from "../../../server/fresh/client.ts";
import type { ToWorker, WorkerPose } from "./worker_main.ts";

export const TRACK_WIDTH = 320;

export class CameraTracker {
  private worker?: Worker;
  private busy = false;
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
    if (this.busy || now - this.lastGrab < this.minIntervalMs) {
      this.stats.skipped++;
      return;
    }
    this.lastGrab = now;
    this.busy = true;
    try {
      const h = Math.round((TRACK_WIDTH * v.videoHeight) / v.videoWidth / 2) * 2;
      const at = performance.timeOrigin + performance.now();
      const bitmap = await createImageBitmap(v, {
        resizeWidth: TRACK_WIDTH,
        resizeHeight: h,
        resizeQuality: "low",
      });
      this.worker?.postMessage({ type: "frame", bitmap, at } satisfies ToWorker, [bitmap]);
    } catch {
      this.busy = false;
    }
  }

  /** Keeps the current frame for re-acquisition (an annotation was anchored on it). */
  keyframe(): void {
    this.worker?.postMessage({ type: "keyframe" } satisfies ToWorker);
  }

  stop(): void {
    this.stopped = true;
    this.worker?.terminate();
    this.worker = undefined;
  }
}
