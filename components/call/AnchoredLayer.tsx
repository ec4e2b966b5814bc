/**
 * Anchored annotations over the video (issue 17): each is drawn through the camera's current pose, so
 * it stays on the object; an edge marker points to one that left the picture; without a reliable pose
 * (tracking lost, none yet) it is drawn dashed and faded with a "?" — uncertain. Draws on every pose.
 */
import { clearedOverlay } from "./canvas_frame.ts";
import { effect, type ReadonlySignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { edgeMarkerIn, place, type Placement } from "../../lib/anchored.ts";
import { COLORS, contentRect, drawAnnotations, type Rect, toBox } from "../../lib/annotations.ts";
import type { AnchorPose, Annotation } from "../../lib/types.ts";

interface Props {
  video: RefObject<HTMLVideoElement | null>;
  annotations: Annotation[];
  /** Read outside of rendering: a new pose redraws this canvas without re-rendering the page. */
  pose: ReadonlySignal<AnchorPose | null>;
  /** After each redraw: where each annotation was drawn (tests and the bench read it). */
  onDraw?: (placed: Placement[], rect: Rect, pose: AnchorPose | null) => void;
}

export function AnchoredLayer(props: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const latest = useRef(props);
  latest.current = props;

  const redraw = () => {
    const c = canvas.current, v = props.video.current;
    if (!c || !v) return;
    const { annotations, onDraw } = latest.current;
    const { ctx, w, h } = clearedOverlay(c, v, !annotations.length);
    const pose = latest.current.pose.peek();
    const rect = contentRect(w, h, v.videoWidth, v.videoHeight);
    const placed = annotations.map((a) => place(a, pose));
    if (!ctx) return onDraw?.(placed, rect, pose);
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.x, rect.y, rect.w, rect.h);
    ctx.clip();
    for (const p of placed) {
      if (!p.onScreen && isPin(p.annotation)) continue; // its label goes beside its edge marker
      ctx.globalAlpha = p.uncertain ? 0.55 : 1;
      ctx.setLineDash(p.uncertain ? [8, 6] : []);
      drawAnnotations(ctx, [p.annotation], rect);
      if (p.uncertain && p.onScreen) uncertainMark(ctx, toBox(p.at, rect), p.annotation.color);
    }
    ctx.restore();
    for (const p of placed) if (!p.onScreen) marker(ctx, p, rect);
    onDraw?.(placed, rect, pose);
  };

  useEffect(redraw, [props.annotations]);
  useEffect(() =>
    effect(() => {
      props.pose.value;
      redraw();
    }), []);
  useEffect(() => {
    const v = props.video.current;
    if (!v) return;
    const ro = new ResizeObserver(redraw);
    ro.observe(v);
    v.addEventListener("resize", redraw);
    v.addEventListener("loadedmetadata", redraw);
    return () => {
      ro.disconnect();
      v.removeEventListener("resize", redraw);
      v.removeEventListener("loadedmetadata", redraw);
    };
  }, []);

  return <canvas ref={canvas} class="anchored-annotations" aria-hidden="true" />;
}

function uncertainMark(ctx: CanvasRenderingContext2D, [x, y]: [number, number], color: string = COLORS[0]) {
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  ctx.font = "700 16px system-ui, sans-serif";
  ctx.fillStyle = "rgba(0,0,0,0.7)";
  ctx.fillRect(x + 8, y - 28, 20, 22);
  ctx.fillStyle = color;
  ctx.fillText("?", x + 13, y - 11);
}

const isPin = (a: Annotation) => (a.kind ?? "pin") === "pin";

/**
 * A triangle on the frame's edge pointing towards an annotation that left the picture; a pin's label
 * goes beside it, on the inner side, so one can read what went where.
 */
function marker(ctx: CanvasRenderingContext2D, p: Placement, r: Rect) {
  const { edge, triangle } = edgeMarkerIn(p.at, r);
  ctx.save();
  ctx.globalAlpha = p.uncertain ? 0.55 : 0.95;
  // The pin drawn at the marker: its dot goes under the triangle, its label beside it.
  if (isPin(p.annotation)) drawAnnotations(ctx, [{ ...p.annotation, x: edge[0], y: edge[1] }], r);
  ctx.beginPath();
  triangle.forEach(([x, y], i) => i ? ctx.lineTo(x, y) : ctx.moveTo(x, y));
  ctx.closePath();
  ctx.fillStyle = p.annotation.color ?? COLORS[0];
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#000";
  ctx.stroke();
  ctx.restore();
}
