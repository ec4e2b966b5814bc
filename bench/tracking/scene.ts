/**
 * A synthetic camera feed with known motion: a procedurally drawn machine (panels, bolts, gauges,
 * vents, text labels) on a "world" image, seen by a virtual camera that pans, rotates, zooms and
 * leaves the machine for a second. Every frame's homography world → frame is known exactly, so the
 * true position of any annotated point is known in every frame.
 *
 * Frames are grayscale luma (Y), 8 bit. The top BARCODE_ROWS rows carry the frame index as a
 * barcode (so a page watching the feed, even after video coding, knows which frame it sees).
 */
import { invert, type Mat3 } from "../../lib/homography.ts";
import { drawText } from "./font.ts";

export type { Mat3 };

export const WORLD_W = 2400;
export const WORLD_H = 1000;
/** Where the machine ends: to the right of this the world is a plain wall with no features. */
export const MACHINE_RIGHT = 1500;
export const BARCODE_BITS = 10;
export const BARCODE_ROWS = 16;

export interface CameraPose {
  cx: number;
  cy: number;
  /** Rotation of the camera in degrees. */
  deg: number;
  /** Zoom: frame pixels per world pixel (at 640 px wide). */
  zoom: number;
}

interface Segment {
  name: string;
  seconds: number;
  to: CameraPose;
}

const HOME: CameraPose = { cx: 600, cy: 500, deg: 0, zoom: 1 };
const PANNED: CameraPose = { ...HOME, cx: 600 + 0.4 * 640 };

/** The motion script: pan 40 % of the width, 15° rotation, 1.5× zoom in and out, 1 s out of frame. */
export const SEGMENTS: Segment[] = [
  { name: "still", seconds: 1, to: HOME },
  { name: "pan 40%", seconds: 2, to: PANNED },
  { name: "still", seconds: 0.3, to: PANNED },
  { name: "rotate 15°", seconds: 1.5, to: { ...PANNED, deg: 15 } },
  { name: "rotate back", seconds: 1.5, to: PANNED },
  { name: "zoom 1.5×", seconds: 1.5, to: { ...PANNED, zoom: 1.5 } },
  { name: "zoom out", seconds: 1.5, to: PANNED },
  { name: "pan back", seconds: 1, to: HOME },
  { name: "still", seconds: 0.5, to: HOME },
  { name: "leave", seconds: 0.5, to: { ...HOME, cx: 1960 } },
  { name: "out of frame", seconds: 1, to: { ...HOME, cx: 1960 } },
  { name: "return", seconds: 0.5, to: HOME },
  { name: "still", seconds: 1.5, to: HOME },
];

export const FPS = 30;

const smooth = (t: number) => t * t * (3 - 2 * t);
const mix = (a: number, b: number, t: number) => a + (b - a) * t;

export interface Timeline {
  poses: CameraPose[];
  /** Segment name of each frame. */
  labels: string[];
  segments: { name: string; from: number; to: number }[];
}

export function timeline(fps = FPS): Timeline {
  const poses: CameraPose[] = [], labels: string[] = [], segments: Timeline["segments"] = [];
  let from = HOME;
  for (const s of SEGMENTS) {
    const n = Math.round(s.seconds * fps);
    segments.push({ name: s.name, from: poses.length, to: poses.length + n - 1 });
    for (let i = 1; i <= n; i++) {
      const t = smooth(i / n);
      poses.push({
        cx: mix(from.cx, s.to.cx, t),
        cy: mix(from.cy, s.to.cy, t),
        deg: mix(from.deg, s.to.deg, t),
        zoom: mix(from.zoom, s.to.zoom, t),
      });
      labels.push(s.name);
    }
    from = s.to;
  }
  return { poses, labels, segments };
}

/** Homography world → frame pixels for a `w`×`h` frame (zoom is relative to a 640 px wide view). */
export function worldToFrame(p: CameraPose, w: number, h: number): Mat3 {
  const s = p.zoom * (w / 640), a = (p.deg * Math.PI) / 180;
  const c = Math.cos(a) * s, d = Math.sin(a) * s;
  // frame = S·R·(world − c) + centre
  return [c, -d, w / 2 - c * p.cx + d * p.cy, d, c, h / 2 - d * p.cx - c * p.cy, 0, 0, 1];
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The world image: a painted, scuffed machine on the left, a plain wall on the right. */
export function renderWorld(seed = 17): Float32Array {
  const W = WORLD_W, H = WORLD_H, img = new Float32Array(W * H);
  const rnd = prng(seed);
  // Surface: smooth value noise (two octaves) plus grain, weaker on the plain wall.
  const octave = (cell: number, amp: number) => {
    const gw = Math.ceil(W / cell) + 2, gh = Math.ceil(H / cell) + 2;
    const g = Float32Array.from({ length: gw * gh }, () => rnd() * 2 - 1);
    for (let y = 0; y < H; y++) {
      const fy = y / cell, iy = Math.floor(fy), ty = smooth(fy - iy);
      for (let x = 0; x < W; x++) {
        const fx = x / cell, ix = Math.floor(fx), tx = smooth(fx - ix);
        const v = mix(
          mix(g[iy * gw + ix], g[iy * gw + ix + 1], tx),
          mix(g[(iy + 1) * gw + ix], g[(iy + 1) * gw + ix + 1], tx),
          ty,
        );
        img[y * W + x] += v * amp;
      }
    }
  };
  img.fill(105);
  octave(90, 18);
  octave(23, 10);
  for (let i = 0; i < img.length; i++) {
    const x = i % W;
    if (x >= MACHINE_RIGHT) img[i] = 150 + (img[i] - 105) * 0.15 + (x - MACHINE_RIGHT) * 0.01;
    else img[i] += (rnd() - 0.5) * 14;
  }
  const rect = (x0: number, y0: number, w: number, h: number, v: number) => {
    for (let y = Math.max(0, y0); y < Math.min(H, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(MACHINE_RIGHT, x0 + w); x++) img[y * W + x] = v;
    }
  };
  const disc = (cx: number, cy: number, r: number, v: number) => {
    for (let y = Math.floor(cy - r); y <= cy + r; y++) {
      for (let x = Math.floor(cx - r); x <= cx + r; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= 0 && y >= 0 && x < MACHINE_RIGHT && y < H) {
          img[y * W + x] = v;
        }
      }
    }
  };
  const hexagon = (cx: number, cy: number, r: number, v: number, turn: number) => {
    for (let y = Math.floor(cy - r); y <= cy + r; y++) {
      for (let x = Math.floor(cx - r); x <= cx + r; x++) {
        const a = Math.atan2(y - cy, x - cx) - turn, d = Math.hypot(x - cx, y - cy);
        const edge = (r * Math.cos(Math.PI / 6)) /
          Math.cos(((a % (Math.PI / 3)) + Math.PI * 2) % (Math.PI / 3) - Math.PI / 6);
        if (d <= edge && x >= 0 && y >= 0 && x < MACHINE_RIGHT && y < H) img[y * W + x] = v;
      }
    }
  };
  const outline = (x0: number, y0: number, w: number, h: number, t: number, v: number) => {
    rect(x0, y0, w, t, v);
    rect(x0, y0 + h - t, w, t, v);
    rect(x0, y0, t, h, v);
    rect(x0 + w - t, y0, t, h, v);
  };
  const bolt = (x: number, y: number) => {
    hexagon(x, y, 11, 200, rnd());
    disc(x, y, 4, 60);
  };
  // Panels with bolted corners.
  const panels = [
    [60, 60, 520, 330],
    [640, 80, 420, 260],
    [1120, 50, 330, 420],
    [80, 460, 460, 470],
    [
      600,
      420,
      500,
      250,
    ],
    [620, 720, 420, 230],
    [1110, 540, 360, 400],
  ];
  for (const [x, y, w, h] of panels) {
    rect(x + 6, y + 6, w - 12, h - 12, 70 + rnd() * 70);
    outline(x, y, w, h, 6, 30);
    for (
      const [bx, by] of [[x + 22, y + 22], [x + w - 22, y + 22], [x + 22, y + h - 22], [
        x + w - 22,
        y + h - 22,
      ]]
    ) {
      bolt(bx, by);
    }
  }
  // Vents, gauges, a pipe, labels.
  for (let i = 0; i < 9; i++) rect(110, 120 + i * 26, 220, 10, 25);
  for (const [cx, cy, r] of [[430, 200, 70], [850, 210, 80], [1280, 300, 90]]) {
    disc(cx, cy, r, 230);
    disc(cx, cy, r - 8, 245);
    for (let k = 0; k < 12; k++) {
      const a = (k / 12) * 2 * Math.PI;
      for (let t = r - 26; t < r - 10; t++) {
        disc(cx + Math.cos(a) * t, cy + Math.sin(a) * t, 2, 40);
      }
    }
    const a = rnd() * 2 * Math.PI;
    for (let t = 0; t < r - 20; t++) disc(cx + Math.cos(a) * t, cy + Math.sin(a) * t, 3, 180 - 160);
    disc(cx, cy, 7, 20);
  }
  for (let x = 560; x < 1110; x++) {
    for (let y = 380; y < 412; y++) img[y * W + x] = 90 + 60 * Math.sin(((y - 380) / 32) * Math.PI);
  }
  for (let i = 0; i < 8; i++) bolt(660 + i * 60, 700);
  for (let i = 0; i < 5; i++) bolt(1150 + (i % 2) * 40, 600 + i * 60);
  const label = (text: string, x: number, y: number, scale: number, fg: number, bg: number) => {
    rect(x - 8, y - 8, text.length * 6 * scale + 12, 7 * scale + 16, bg);
    drawText(img, W, MACHINE_RIGHT, H, text, x, y, scale, fg);
  };
  label("PUMP 3", 120, 520, 8, 20, 235);
  label("DANGER 400V", 120, 640, 5, 240, 30);
  label("P-2041", 660, 470, 6, 250, 40);
  label("MOBIMAINT", 650, 780, 5, 30, 220);
  label("OIL 2 BAR", 1130, 820, 4, 20, 230);
  label("TORQUE 40", 680, 880, 3, 240, 50);
  for (let i = 0; i < 30; i++) bolt(40 + rnd() * 1420, 20 + rnd() * 960);
  return img;
}

/** Renders one grayscale frame of the world through `pose`; bilinear, with sensor noise. */
export function renderFrame(
  world: Float32Array,
  pose: CameraPose,
  w: number,
  h: number,
  noise: () => number,
  out = new Uint8Array(w * h),
): Uint8Array {
  const inv = invert(worldToFrame(pose, w, h));
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const x = inv[0] * u + inv[1] * v + inv[2], y = inv[3] * u + inv[4] * v + inv[5];
      let val = 150;
      if (x >= 0 && y >= 0 && x < WORLD_W - 1 && y < WORLD_H - 1) {
        const ix = x | 0, iy = y | 0, fx = x - ix, fy = y - iy, i = iy * WORLD_W + ix;
        val = (world[i] * (1 - fx) + world[i + 1] * fx) * (1 - fy) +
          (world[i + WORLD_W] * (1 - fx) + world[i + WORLD_W + 1] * fx) * fy;
      }
      val += (noise() + noise() + noise() - 1.5) * 3;
      out[v * w + u] = val < 16 ? 16 : val > 235 ? 235 : val;
    }
  }
  return out;
}

/** Writes `index` as BARCODE_BITS black/white blocks across the top rows (most significant first). */
export function stampBarcode(frame: Uint8Array, w: number, index: number): void {
  const bw = w / BARCODE_BITS, rows = Math.round((BARCODE_ROWS * w) / 640);
  for (let b = 0; b < BARCODE_BITS; b++) {
    const on = (index >> (BARCODE_BITS - 1 - b)) & 1;
    for (let y = 0; y < rows; y++) {
      frame.fill(on ? 235 : 16, y * w + Math.round(b * bw), y * w + Math.round((b + 1) * bw));
    }
  }
}

/** Reads the barcode back from RGBA pixels of a frame drawn `w` wide (the centre row of the strip). */
export function readBarcode(rgba: Uint8ClampedArray, w: number, h: number): number {
  const y = Math.round((BARCODE_ROWS / 2 / 360) * h);
  let n = 0;
  for (let b = 0; b < BARCODE_BITS; b++) {
    const x = Math.round(((b + 0.5) / BARCODE_BITS) * w), i = (y * w + x) * 4;
    n = (n << 1) | (rgba[i] + rgba[i + 1] + rgba[i + 2] > 3 * 128 ? 1 : 0);
  }
  return n;
}
