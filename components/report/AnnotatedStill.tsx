/**
 * A snapshot with its annotations drawn over it as SVG (no JavaScript): the SVG's viewBox is the image's
 * pixel size, so normalised coordinates land where they were drawn, at any print or screen size.
 */
import { COLORS, DEFAULT_WIDTH } from "../../lib/annotations.ts";
import type { SnapshotInfo } from "../../lib/snapshots.ts";
import type { Annotation } from "../../lib/types.ts";

function Shape({ a, w, h }: { a: Annotation; w: number; h: number }) {
  const color = a.color ?? COLORS[0];
  const sw = Math.max(2, (a.width ?? DEFAULT_WIDTH) * w);
  const pts = (a.points ?? [[a.x, a.y]]).map(([x, y]) => [x * w, y * h] as const);
  const [x0, y0] = pts[0];
  const [x1, y1] = pts[pts.length - 1];
  const line = {
    stroke: color,
    "stroke-width": sw,
    fill: "none",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
  } as const;
  switch (a.kind ?? "pin") {
    case "stroke":
      return <polyline data-kind="stroke" points={pts.map((p) => p.join(",")).join(" ")} {...line} />;
    case "arrow": {
      const angle = Math.atan2(y1 - y0, x1 - x0), head = Math.max(12, sw * 4);
      const wing = (d: number) => `${x1 - head * Math.cos(angle + d)},${y1 - head * Math.sin(angle + d)}`;
      return (
        <path
          data-kind="arrow"
          d={`M${x0},${y0} L${x1},${y1} M${wing(-0.45)} L${x1},${y1} L${wing(0.45)}`}
          {...line}
        />
      );
    }
    case "rect":
      return (
        <rect
          data-kind="rect"
          x={Math.min(x0, x1)}
          y={Math.min(y0, y1)}
          width={Math.abs(x1 - x0)}
          height={Math.abs(y1 - y0)}
          {...line}
        />
      );
    case "ellipse":
      return (
        <ellipse
          data-kind="ellipse"
          cx={(x0 + x1) / 2}
          cy={(y0 + y1) / 2}
          rx={Math.abs(x1 - x0) / 2}
          ry={Math.abs(y1 - y0) / 2}
          {...line}
        />
      );
    default: {
      const r = Math.max(7, w / 120), size = Math.max(15, w / 55);
      const px = a.x * w, py = a.y * h;
      const left = px > w * 0.7;
      return (
        <g data-kind="pin">
          <circle cx={px} cy={py} r={r} fill={color} stroke="#000" stroke-width={r / 3} />
          {a.text && (
            <text
              x={left ? px - r * 1.6 : px + r * 1.6}
              y={py + size / 3}
              font-size={size}
              font-weight="600"
              font-family="system-ui, sans-serif"
              text-anchor={left ? "end" : "start"}
              fill={color}
              stroke="#000"
              stroke-width={size / 8}
              paint-order="stroke"
            >
              {a.text}
            </text>
          )}
        </g>
      );
    }
  }
}

interface Props {
  snapshot: SnapshotInfo;
  annotations: Annotation[];
  /** The image's src: its URL on the server, or a data: URL in the downloaded file. */
  src: string;
  caption: string;
}

export function AnnotatedStill({ snapshot: s, annotations, src, caption }: Props) {
  return (
    <figure class="shot" data-snapshot-id={s.id}>
      <div class="shot-frame">
        <img src={src} width={s.width} height={s.height} alt={caption} />
        <svg viewBox={`0 0 ${s.width} ${s.height}`} preserveAspectRatio="none" aria-hidden="true">
          {annotations.map((a) => <Shape key={a.id} a={a} w={s.width} h={s.height} />)}
        </svg>
      </div>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
