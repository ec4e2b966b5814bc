/**
 * Anchored annotations (issue 17): an annotation drawn with its frame's pose is mapped through the
 * camera's current pose, so it stays on the object. Shared by both ends of a call.
 */
import { apply, invert, isValid, type Mat3, mul } from "./homography.ts";
import { type Point, type Rect, toBox } from "./annotations.ts";
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
 * normalised, or [across, down] to inset the sides and the top and bottom differently), on the line
 * from the centre towards the point.
 */
export function edgeMarker(
  [x, y]: [number, number],
  inset: number | [number, number] = 0.04,
): [number, number] {
  const [ix, iy] = typeof inset === "number" ? [inset, inset] : inset;
  const dx = x - 0.5, dy = y - 0.5;
  const s = Math.min(1, (0.5 - ix) / Math.max(Math.abs(dx), 1e-9), (0.5 - iy) / Math.max(Math.abs(dy), 1e-9));
  return [0.5 + dx * s, 0.5 + dy * s];
}

/** A pose as received from a peer, checked (the data channel is not validated by the server). */
export function isAnchorPose(p: unknown): p is AnchorPose {
  const o = p as AnchorPose;
  return !!o && typeof o.epoch === "string" && o.epoch.length > 0 && o.epoch.length <= 64 &&
    Number.isSafeInteger(o.seq) && (o.state === "tracking" || o.state === "lost") && Array.isArray(o.pose) &&
    isValid(o.pose);
}

/** How far an edge marker's centre sits inside the picture's border, in pixels: the whole triangle shows. */
const MARKER_INSET = 18, MARKER_SIZE = 14;

/**
 * The edge marker of an annotation off the picture, in pixels of `r`: where it sits (normalised, for
 * its pin's label beside it) and its triangle, pointing towards the annotation.
 */
export function edgeMarkerIn(at: [number, number], r: Rect): { edge: [number, number]; triangle: Point[] } {
  const edge = edgeMarker(at, [Math.min(0.25, MARKER_INSET / r.w), Math.min(0.25, MARKER_INSET / r.h)]);
  const [mx, my] = toBox(edge, r);
  const [tx, ty] = toBox(at, r);
  const angle = Math.atan2(ty - my, tx - mx), c = Math.cos(angle), s = Math.sin(angle);
  const local: Point[] = [[MARKER_SIZE, 0], [-MARKER_SIZE * 0.7, -MARKER_SIZE * 0.75], [
    -MARKER_SIZE * 0.7,
    MARKER_SIZE * 0.75,
  ]];
  return { edge, triangle: local.map(([x, y]) => [mx + x * c - y * s, my + x * s + y * c]) };
}
