/**
 * Anchored annotations (issue 17): an annotation drawn with its frame's pose is mapped through the
 * camera's current pose, so it stays on the object. Shared by both ends of a call.
 */
import { apply, invert, isValid, type Mat3, mul } from "./homography.ts";
import type { AnchorPose, Annotation } from "./types.ts";

export interface Placement {
  /** The annotation in current frame coordinates (rectangles and ellipses become closed strokes). */
  annotation: Annotation;
  /** Where its reference point (x, y) is now, normalised; outside [0, 1] when off screen. */
  at: [number, number];
  onScreen: boolean;
  /** Tracking lost, no pose yet, or a pose from another tracker session: shown as uncertain. */
  uncertain: boolean;
}

const ELLIPSE_STEPS = 32;

/** The homography drawn frame → current frame, or null when the pose cannot be related to the anchor. */
export function anchorTransform(a: Annotation, current: AnchorPose | null): Mat3 | null {
  if (!a.anchor || !current || current.epoch !== a.anchor.epoch) return null;
  if (!isValid(a.anchor.pose) || !isValid(current.pose)) return null;
  return mul(current.pose, invert(a.anchor.pose));
}

/** The outline of a two-point shape as points, so that it can be mapped through a homography. */
function outline(a: Annotation): [number, number][] | undefined {
  const pts = a.points;
  if (!pts?.length) return pts;
  const [[x0, y0], [x1, y1]] = [pts[0], pts[pts.length - 1]];
  if (a.kind === "rect") return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
  if (a.kind === "ellipse") {
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, rx = Math.abs(x1 - x0) / 2, ry = Math.abs(y1 - y0) / 2;
    return Array.from({ length: ELLIPSE_STEPS + 1 }, (_, i) => {
      const t = (i / ELLIPSE_STEPS) * 2 * Math.PI;
      return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)] as [number, number];
    });
  }
  return pts;
}

/** Where an anchored annotation is drawn now. */
export function place(a: Annotation, current: AnchorPose | null): Placement {
  const m = anchorTransform(a, current);
  if (!m) {
    return { annotation: a, at: [a.x, a.y], onScreen: true, uncertain: true };
  }
  const map = ([x, y]: [number, number]) => apply(m, x, y);
  const at = map([a.x, a.y]);
  const shape = a.kind === "rect" || a.kind === "ellipse";
  const points = outline(a)?.map(map);
  const annotation: Annotation = {
    ...a,
    x: at[0],
    y: at[1],
    ...(points ? { points } : {}),
    ...(shape ? { kind: "stroke" as const } : {}),
  };
  const onScreen = at[0] >= 0 && at[0] <= 1 && at[1] >= 0 && at[1] <= 1;
  return { annotation, at, onScreen, uncertain: current!.state !== "tracking" };
}

/**
 * Where the edge marker of an off-screen point goes: on the frame's border (inset by `inset`,
 * normalised), on the line from the centre towards the point.
 */
export function edgeMarker([x, y]: [number, number], inset = 0.04): [number, number] {
  const dx = x - 0.5, dy = y - 0.5, half = 0.5 - inset;
  const s = Math.min(1, half / Math.max(Math.abs(dx), Math.abs(dy), 1e-9));
  return [0.5 + dx * s, 0.5 + dy * s];
}

/** A pose as received from a peer, checked (the data channel is not validated by the server). */
export function isAnchorPose(p: unknown): p is AnchorPose {
  const o = p as AnchorPose;
  return !!o && typeof o.epoch === "string" && o.epoch.length > 0 && o.epoch.length <= 64 &&
    Number.isSafeInteger(o.seq) && (o.state === "tracking" || o.state === "lost") && Array.isArray(o.pose) &&
    isValid(o.pose);
}
