/**
 * A canvas over a video element (or the <img> of a frozen still), drawing annotations in its frame
 * coordinates (normalised, letterbox-aware). When `onCreate` is given, the
 * pointer (or Enter for a pin at the centre) draws with the chosen tool.
 */
import { clearedOverlay } from "./canvas_frame.ts";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import {
  contentRect,
  drawAnnotations,
  type LabelBox,
  makeAnnotation,
  type Point,
  type Rect,
  repeatsLastPin,
  toNormalized,
} from "../../lib/annotations.ts";
import type { Annotation, AnnotationKind } from "../../lib/types.ts";

interface Props {
  video: RefObject<HTMLVideoElement | HTMLImageElement | null>;
  annotations: Annotation[];
  tool: AnnotationKind;
  color: string;
  pinText: string;
  me: string;
  /** userId → name, for the author initials drawn beside each annotation. */
  names?: Record<string, string>;
  onCreate?: (a: Annotation) => void;
  /** Called after each redraw with the frame rectangle used and where pin labels went (tests read them). */
  onDraw?: (rect: Rect, count: number, labels: (LabelBox & { id: string })[]) => void;
}

export function AnnotationCanvas(props: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const draft = useRef<Point[] | null>(null);
  const lastPin = useRef<{ p: Point; at: number } | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const frame = (): Rect => {
    const v = props.video.current!;
    const [fw, fh] = v instanceof HTMLImageElement
      ? [v.naturalWidth, v.naturalHeight]
      : [v.videoWidth, v.videoHeight];
    return contentRect(v.clientWidth, v.clientHeight, fw, fh);
  };

  const redraw = () => {
    const c = canvas.current, v = props.video.current;
    if (!c || !v) return;
    const { annotations, tool, color, pinText, me, names, onDraw } = latest.current;
    const rect = frame();
    const list = draft.current && tool !== "pin"
      ? [...annotations, makeAnnotation(tool, draft.current, { id: "draft", from: me, color, text: pinText })]
      : annotations;
    const { ctx } = clearedOverlay(c, v, !list.length);
    const labels = ctx ? drawAnnotations(ctx, list, rect, { author: (from) => names?.[from] }) : [];
    onDraw?.(rect, annotations.length, labels);
  };

  useEffect(redraw, [props.annotations, props.tool, props.color, props.names]);

  useEffect(() => {
    const v = props.video.current;
    if (!v) return;
    const ro = new ResizeObserver(redraw);
    ro.observe(v);
    // `resize` fires when the intrinsic frame size changes (rotation, camera switch, resolution change).
    v.addEventListener("resize", redraw);
    v.addEventListener("loadedmetadata", redraw);
    v.addEventListener("load", redraw); // a still's <img>
    globalThis.addEventListener("orientationchange", redraw);
    return () => {
      ro.disconnect();
      v.removeEventListener("resize", redraw);
      v.removeEventListener("loadedmetadata", redraw);
      v.removeEventListener("load", redraw);
      globalThis.removeEventListener("orientationchange", redraw);
    };
  }, []);

  const point = (e: PointerEvent, clamp: boolean): Point | null => {
    const box = canvas.current!.getBoundingClientRect();
    return toNormalized(e.clientX - box.left, e.clientY - box.top, frame(), clamp);
  };

  const create = (points: Point[]) => {
    const { tool, color, pinText, me, onCreate } = latest.current;
    onCreate?.(
      makeAnnotation(tool, points, { id: `${me}-${crypto.randomUUID()}`, from: me, color, text: pinText }),
    );
  };

  const editable = !!props.onCreate;
  return (
    <canvas
      ref={canvas}
      class={`annotations${editable ? " editable" : ""}`}
      tabIndex={editable ? 0 : -1}
      role={editable ? "application" : "img"}
      aria-label={editable
        ? "Drawing area over the video: drag to draw, click to place a pin, Enter places a pin at the centre"
        : "Annotations from the call"}
      onPointerDown={editable
        ? (e) => {
          const p = point(e, false);
          if (!p) return;
          (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
          draft.current = [p];
        }
        : undefined}
      onPointerMove={editable
        ? (e) => {
          if (!draft.current) return;
          const p = point(e, true)!;
          if (latest.current.tool === "stroke") draft.current.push(p);
          else draft.current = [draft.current[0], p];
          redraw();
        }
        : undefined}
      onPointerUp={editable
        ? () => {
          const pts = draft.current;
          draft.current = null;
          if (!pts) return;
          const { tool } = latest.current;
          if (tool === "pin") {
            const at = performance.now();
            if (!repeatsLastPin(lastPin.current, pts[0], at)) create([pts[0]]);
            lastPin.current = { p: pts[0], at };
          } else if (pts.length > 1) create(pts);
          else redraw();
        }
        : undefined}
      onPointerCancel={() => {
        draft.current = null;
        redraw();
      }}
      onKeyDown={editable
        ? (e) => {
          if (e.key !== "Enter" && e.key !== " ") return;
          e.preventDefault();
          const { tool } = latest.current;
          create(tool === "pin" ? [[0.5, 0.5]] : [[0.4, 0.4], [0.6, 0.6]]);
        }
        : undefined}
    />
  );
}
