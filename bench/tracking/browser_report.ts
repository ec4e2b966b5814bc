/** What the in-call tracking benchmark reports (browser.ts measures it), and its summary lines. */
import { percentile } from "./offline.ts";

export interface BrowserSample {
  frame: number;
  /** Per pin: drawn position (normalised), on screen as drawn, uncertain. */
  pins: { at: [number, number]; onScreen: boolean; uncertain: boolean }[];
}

/** Positions of the pins as drawn on one page, against the ground truth of the frame it showed. */
export interface Scored {
  /** Error of pins drawn as tracked while their true position is in the picture, % of frame width. */
  errors: number[];
  /** The same errors by segment of the motion script (pan, rotate, zoom, leave, return, …). */
  bySegment: Record<string, number[]>;
  /** Errors while the camera is at rest before the fast pan back of the script. */
  restBeforeFastPan: number[];
  /**
   * Errors at rest right after the fast pan back (from 0.2 s after it stops: the pose trails the video
   * by about that much). A tracker that followed the pan wrongly stays off here.
   */
  restAfterFastPan: number[];
  /** Frames with a pin truly in the picture but drawn as uncertain. */
  uncertainOnScreen: number;
  /** Frames with a pin truly off screen: how many had it drawn off screen (edge marker) or uncertain. */
  offScreen: { frames: number; markerOrUncertain: number };
  /** Seconds from the scene being back in view to the pins tracked within 5 % again, per pass (NaN: not in 1.5 s). */
  reacquireSeconds: number[];
}

export interface BrowserReport extends Scored {
  samples: number;
  /** The same on the technician's own page (its camera, no video coding or network in between). */
  technician: Scored & { samples: number };
  /** Technician: poses per second over the measured span, and worker ms per frame. */
  trackerFps: number;
  workerMs: { p50: number; p95: number };
  /** Of which the tracker alone (the rest: drawing the frame and reading its pixels). */
  trackMs: { p50: number; p95: number };
  /** Pose ready on the technician's page → redrawn on the expert's, and camera frame grabbed → redrawn. */
  latencyMs: {
    poseP50: number;
    poseP95: number;
    frameP50: number;
    frameP95: number;
    /** Pose ready → received on the expert's page (transport only). */
    receivedP50: number;
    receivedP95: number;
    count: number;
  };
  /** The expert's estimate of its video delay at the end, ms (poses wait for it). */
  videoDelayMs: number;
  /** Poses that reached the expert over the data channel vs the socket. */
  via: Record<string, number>;
  /** Tracking worker bundle (with the chunks it imports), gzip bytes; and whether the call room loads it up front. */
  workerGzipBytes: number;
  trackingInInitialJs: boolean;
  /** Pins drawn on a frozen still and anchored with its pose (the first pin is). */
  stillPins: number;
}

export function describe(r: BrowserReport): string[] {
  const f = (n: number) => Number.isFinite(n) ? n.toFixed(2) : String(n);
  return [
    `expert-side samples ${r.samples}; pin error (% of width, tracked & on screen, ${r.errors.length} values): ` +
    `median ${f(percentile(r.errors, 0.5))}, p95 ${f(percentile(r.errors, 0.95))}, max ${
      f(Math.max(...r.errors))
    }`,
    `by segment (median/p95 %): ${
      Object.entries(r.bySegment).map(([k, v]) => `${k} ${f(percentile(v, 0.5))}/${f(percentile(v, 0.95))}`)
        .join(", ")
    }`,
    `technician's own page: ${r.technician.samples} samples, error median ${
      f(percentile(r.technician.errors, 0.5))
    }, p95 ${f(percentile(r.technician.errors, 0.95))}; by segment ${
      Object.entries(r.technician.bySegment).map(([k, v]) =>
        `${k} ${f(percentile(v, 0.5))}/${f(percentile(v, 0.95))}`
      ).join(", ")
    }; re-acquired ${r.technician.reacquireSeconds.map(f).join(", ")} s`,
    `at rest before / after the fast pan back (median/p95 %): ${f(percentile(r.restBeforeFastPan, 0.5))}/${
      f(percentile(r.restBeforeFastPan, 0.95))
    } / ${f(percentile(r.restAfterFastPan, 0.5))}/${
      f(percentile(r.restAfterFastPan, 0.95))
    } (${r.restAfterFastPan.length} after)`,
    `uncertain while truly on screen: ${r.uncertainOnScreen} pin-frames; truly off screen: ${r.offScreen.frames} ` +
    `pin-frames, drawn off screen (edge marker) or uncertain: ${r.offScreen.markerOrUncertain}`,
    `re-acquired after the scene returned: ${r.reacquireSeconds.map(f).join(", ") || "never"} s`,
    `tracker on the technician: ${f(r.trackerFps)} poses/s, worker ${f(r.workerMs.p50)} ms/frame p50, ` +
    `${f(r.workerMs.p95)} p95, of which tracking ${f(r.trackMs.p50)} / ${
      f(r.trackMs.p95)
    } (320×180 from the 640×360 camera)`,
    `pose ready on the technician → received by the expert p50 ${f(r.latencyMs.receivedP50)} ms, ` +
    `p95 ${f(r.latencyMs.receivedP95)} ms; applied after the expert's video delay estimate ` +
    `(${f(r.videoDelayMs)} ms at the end) less the pose's age`,
    `latency pose ready → redrawn on the expert p50 ${f(r.latencyMs.poseP50)} ms, p95 ${
      f(r.latencyMs.poseP95)
    } ms; ` +
    `camera frame grabbed → redrawn p50 ${f(r.latencyMs.frameP50)} ms, p95 ${f(r.latencyMs.frameP95)} ms ` +
    `(${r.latencyMs.count} poses; received via ${JSON.stringify(r.via)})`,
    `tracking worker ${
      (r.workerGzipBytes / 1024).toFixed(1)
    } KiB gzip; in the call room's initial JS: ${r.trackingInInitialJs}`,
    `pins drawn on a frozen still and anchored with its pose: ${r.stillPins} (scored with the others)`,
  ];
}
