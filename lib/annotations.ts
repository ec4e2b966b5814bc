/**
 * Annotation geometry and drawing, shared by both ends of a call.
 * Coordinates are normalised to [0, 1] over the video's intrinsic frame, so
 * they are mapped through the frame's on-screen rectangle (object-fit:
 * contain letterboxes it) to land on the same spot at any size or rotation.
 */
import { type Annotation, ANNOTATION_KINDS, type AnnotationKind } from "./types.ts";

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

const isShortString = (v: unknown, max: number) => typeof v === "string" && v.length <= max;
const isOptional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const isPair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite);

/**
 * An annotation as a page may show it: the wire shape, in sizes the server would store. For what comes from
 * the other page directly (BoardChannel), not through the server's checks.
 */
export function isAnnotation(v: unknown): v is Annotation {
  const a = v as Annotation;
  return !!a && typeof a === "object" && isShortString(a.id, 128) && a.id.length > 0 &&
    isShortString(a.text, 500) && isShortString(a.from, 128) && Number.isFinite(a.x) &&
    Number.isFinite(a.y) &&
    isOptional(a.kind, (k) => ANNOTATION_KINDS.includes(k as AnnotationKind)) &&
    isOptional(a.points, (p) => Array.isArray(p) && p.length <= 2000 && p.every(isPair)) &&
    isOptional(a.color, (c) => isShortString(c, 32)) && isOptional(a.width, Number.isFinite) &&
    isOptional(a.objectId, (o) => isShortString(o, 128)) &&
    isOptional(a.frozenFrameId, (f) => isShortString(f, 128)) &&
    isOptional(a.anchor, (x) => {
      const anchor = x as Annotation["anchor"];
      return !!anchor && isShortString(anchor.epoch, 64) && Array.isArray(anchor.pose) &&
        anchor.pose.length <= 16 && anchor.pose.every(Number.isFinite);
    });
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

/** A second tap this soon and this near (normalised) after a pin is the same tap twice, not a second pin. */
const REPEAT_TAP_MS = 500, REPEAT_TAP_DISTANCE = 0.03;

/** Whether a pin tap at `p`, `at` ms, repeats the last pin placed (`last`): a double tap places one pin. */
export function repeatsLastPin(last: { p: Point; at: number } | null, p: Point, at: number): boolean {
  return !!last && at - last.at < REPEAT_TAP_MS &&
    Math.hypot(p[0] - last.p[0], p[1] - last.p[1]) < REPEAT_TAP_DISTANCE;
}

/** The colour an author draws with until they pick one: Experts red, Technicians blue, so the two differ. */
export const defaultColor = (role: string) => role === "Technician" ? COLORS[3] : COLORS[0];

/** "user2" → "U2", "Anna Berg" → "AB", "anna" → "AN": short enough for a badge. */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  if (words.length > 1) return (words[0][0] + words[1][0]).toUpperCase();
  const w = words[0] ?? "?";
  const digits = /\d+$/.exec(w)?.[0];
  return (w[0] + (digits ?? w[1] ?? "")).toUpperCase().slice(0, 3);
}

export const PIN_FONT = "600 15px system-ui, sans-serif";
const LABEL_H = 24, GAP = 10, PAD = 6;

export interface LabelBox {
  side: "left" | "right";
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where a pin's label goes. The side comes from the pin's normalised x (left of the dot past the
 * middle of the frame), so it is the same on every screen; the box is then kept inside the frame
 * (never cut at an edge), at most the frame's width. `textW`: the measured text width in pixels.
 */
export function pinLabelBox(nx: number, [x, y]: Point, textW: number, r: Rect): LabelBox {
  const side = nx > 0.5 ? "left" : "right";
  const w = Math.max(0, Math.min(textW + 2 * PAD, r.w - 4));
  const want = side === "left" ? x - GAP - w : x + GAP;
  const lx = Math.min(Math.max(want, r.x + 2), r.x + r.w - 2 - w);
  const ly = Math.min(Math.max(y - LABEL_H / 2, r.y + 2), r.y + r.h - 2 - LABEL_H);
  return { side, x: lx, y: ly, w, h: LABEL_H };
}

export interface DrawOptions {
  /** The author's name for an annotation's `from`, shown as initials beside what they drew. */
  author?: (from: string) => string | undefined;
}

/**
 * Draws every annotation on a 2D context whose units are element pixels. Returns where each pin's
 * label went (tests compare them across screens).
 */
export function drawAnnotations(
  ctx: CanvasRenderingContext2D,
  list: Annotation[],
  r: Rect,
  opts: DrawOptions = {},
): (LabelBox & { id: string })[] {
  const labels: (LabelBox & { id: string })[] = [];
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
    const name = opts.author?.(a.from);
    ctx.beginPath();
    switch (a.kind ?? "pin") {
      case "pin": {
        const box = drawPin(ctx, a.x, toBox([a.x, a.y], r), a.text, color, r);
        if (box) labels.push({ id: a.id, ...box });
        if (name) drawAuthor(ctx, initials(name), pts[0], color, r);
        continue;
      }
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
    if (name) drawAuthor(ctx, initials(name), pts[0], color, r);
  }
  return labels;
}

/** A small round badge with the author's initials, up and left of where the drawing starts. */
function drawAuthor(ctx: CanvasRenderingContext2D, text: string, [x, y]: Point, color: string, r: Rect) {
  const R = 10;
  const cx = Math.min(Math.max(x - 16, r.x + R), r.x + r.w - R);
  const cy = Math.min(Math.max(y - 16, r.y + R), r.y + r.h - R);
  ctx.beginPath();
  ctx.arc(cx, cy, R, 0, 2 * Math.PI);
  ctx.fillStyle = "rgba(0,0,0,0.8)";
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.fillStyle = "#fff";
  ctx.font = "700 9px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, cx, cy + 0.5);
  ctx.textAlign = "start";
  ctx.textBaseline = "alphabetic";
}

/** Shortens `text` with an ellipsis until it fits `maxW` pixels. */
function fit(ctx: CanvasRenderingContext2D, text: string, maxW: number): string {
  if (ctx.measureText(text).width <= maxW) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(text.slice(0, mid) + "…").width <= maxW) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}

/** A dot with its label beside it (side and position from pinLabelBox). */
function drawPin(
  ctx: CanvasRenderingContext2D,
  nx: number,
  [x, y]: Point,
  text: string,
  color: string,
  r: Rect,
): LabelBox | null {
  ctx.beginPath();
  ctx.arc(x, y, 7, 0, 2 * Math.PI);
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#000";
  ctx.stroke();
  if (!text) return null;
  ctx.font = PIN_FONT;
  const box = pinLabelBox(nx, [x, y], ctx.measureText(text).width, r);
  ctx.fillStyle = "rgba(0,0,0,0.75)";
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.fillStyle = color;
  ctx.fillText(fit(ctx, text, box.w - 2 * PAD), box.x + PAD, box.y + 17);
  return box;
}
