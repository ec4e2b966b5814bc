/**
 * Annotation geometry and drawing, shared by both ends of a call.
 * Coordinates are normalised to [0, 1] over the video's intrinsic frame, so
 * they are mapped through the frame's on-screen rectangle (object-fit:
 * contain letterboxes it) to land on the same spot at any size or rotation.
 */
import type { Annotation, AnnotationKind } from "./types.ts";

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Point = [number, number];

export const DEFAULT_WIDTH = 0.006;
export const COLORS = ["#ff3b30", "#ffcc00", "#34c759", "#0a84ff", "#ffffff"] as const;

/** Where a `frameW`×`frameH` frame is shown inside a `boxW`×`boxH` element with object-fit: contain. */
export function contentRect(boxW: number, boxH: number, frameW: number, frameH: number): Rect {
  if (!frameW || !frameH || !boxW || !boxH) return { x: 0, y: 0, w: boxW, h: boxH };
  const scale = Math.min(boxW / frameW, boxH / frameH);
  const w = frameW * scale, h = frameH * scale;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 10000) / 10000;

/** Element-relative pixels → normalised frame point (clamped), or null when outside the frame. */
export function toNormalized(px: number, py: number, r: Rect, clamp = false): Point | null {
  const nx = (px - r.x) / r.w, ny = (py - r.y) / r.h;
  if (!clamp && (nx < 0 || nx > 1 || ny < 0 || ny > 1)) return null;
  return [round(clamp01(nx)), round(clamp01(ny))];
}

export function toBox([nx, ny]: Point, r: Rect): Point {
  return [r.x + nx * r.w, r.y + ny * r.h];
}

/** Builds the wire shape of an annotation from a drag (or a click for a pin). */
export function makeAnnotation(
  kind: AnnotationKind,
  points: Point[],
  opts: { id: string; from: string; color: string; text?: string },
): Annotation {
  const [x, y] = points[0];
  const base = { id: opts.id, from: opts.from, x, y, kind, color: opts.color, text: opts.text ?? "" };
  if (kind === "pin") return base;
  const pts = kind === "stroke" ? points : [points[0], points[points.length - 1]];
  return { ...base, points: pts, width: DEFAULT_WIDTH };
}

/** Draws every annotation on a 2D context whose units are element pixels. */
export function drawAnnotations(ctx: CanvasRenderingContext2D, list: Annotation[], r: Rect): void {
  for (const a of list) {
    const color = a.color ?? COLORS[0];
    const lw = Math.max(2, (a.width ?? DEFAULT_WIDTH) * r.w);
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = lw;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    const pts = (a.points ?? [[a.x, a.y]]).map((p) => toBox(p, r));
    const [x0, y0] = pts[0];
    const [x1, y1] = pts[pts.length - 1];
    ctx.beginPath();
    switch (a.kind ?? "pin") {
      case "pin":
        drawPin(ctx, toBox([a.x, a.y], r), a.text, color, r.x + r.w);
        continue;
      case "stroke":
        pts.forEach(([x, y], i) => i ? ctx.lineTo(x, y) : ctx.moveTo(x, y));
        break;
      case "arrow": {
        const angle = Math.atan2(y1 - y0, x1 - x0), head = Math.max(12, lw * 4);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        ctx.moveTo(x1 - head * Math.cos(angle - 0.45), y1 - head * Math.sin(angle - 0.45));
        ctx.lineTo(x1, y1);
        ctx.lineTo(x1 - head * Math.cos(angle + 0.45), y1 - head * Math.sin(angle + 0.45));
        break;
      }
      case "rect":
        ctx.rect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
        break;
      case "ellipse":
        ctx.ellipse(
          (x0 + x1) / 2,
          (y0 + y1) / 2,
          Math.abs(x1 - x0) / 2,
          Math.abs(y1 - y0) / 2,
          0,
          0,
          2 * Math.PI,
        );
        break;
    }
    ctx.stroke();
  }
}

/** A dot with its label to the right, or to the left when it would leave the frame. */
function drawPin(ctx: CanvasRenderingContext2D, [x, y]: Point, text: string, color: string, right: number) {
  ctx.beginPath();
  ctx.arc(x, y, 7, 0, 2 * Math.PI);
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#000";
  ctx.stroke();
  if (!text) return;
  ctx.font = "600 15px system-ui, sans-serif";
  const w = ctx.measureText(text).width + 12;
  const left = x + 10 + w > right && x - 10 - w >= 0 ? x - 10 - w : x + 10;
  ctx.fillStyle = "rgba(0,0,0,0.75)";
  ctx.fillRect(left, y - 12, w, 24);
  ctx.fillStyle = color;
  ctx.fillText(text, left + 6, y + 5);
}
