/**
 * Writes the synthetic camera feed (scene.ts) as a Y4M file (YUV 4:2:0, grey chroma) that Chromium
 * plays as its fake camera (`--use-file-for-fake-video-capture=FILE.y4m`), and its ground truth:
 * per frame, the homography world → frame pixels.
 *
 *   deno run -A bench/tracking/make_feed.ts [--out test-output/tracking/feed] [--width 640] [--height 360]
 *   → feed.y4m, feed.json (and feed-NNN.pgm stills with --stills)
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { FPS, prng, renderFrame, renderWorld, stampBarcode, timeline, worldToFrame } from "./scene.ts";

export interface GroundTruth {
  width: number;
  height: number;
  fps: number;
  /** Per frame: world → frame pixel homography, row-major 3×3. */
  frames: number[][];
  labels: string[];
  segments: { name: string; from: number; to: number }[];
}

export function groundTruth(width: number, height: number): GroundTruth {
  const tl = timeline();
  return {
    width,
    height,
    fps: FPS,
    frames: tl.poses.map((p) => worldToFrame(p, width, height).map((v) => Math.round(v * 1e6) / 1e6)),
    labels: tl.labels,
    segments: tl.segments,
  };
}

/** Renders every frame in order; `onFrame` gets the luma plane (a reused buffer) and the frame index. */
export async function renderFeed(
  width: number,
  height: number,
  onFrame: (y: Uint8Array, index: number) => void | Promise<void>,
  opts: { barcode?: boolean } = {},
): Promise<void> {
  const world = renderWorld();
  const tl = timeline();
  const noise = prng(99);
  const buf = new Uint8Array(width * height);
  for (let i = 0; i < tl.poses.length; i++) {
    renderFrame(world, tl.poses[i], width, height, noise, buf);
    if (opts.barcode !== false) stampBarcode(buf, width, i);
    await onFrame(buf, i);
  }
}

export async function writeFeed(base: string, width = 640, height = 360): Promise<GroundTruth> {
  await Deno.mkdir(dirname(base), { recursive: true });
  const file = await Deno.open(`${base}.y4m`, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  await file.write(enc.encode(`YUV4MPEG2 W${width} H${height} F${FPS}:1 Ip A1:1 C420jpeg\n`));
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const header = enc.encode("FRAME\n");
  const writeAll = async (b: Uint8Array) => {
    for (let off = 0; off < b.length;) off += await file.write(b.subarray(off));
  };
  await renderFeed(width, height, async (y) => {
    await writeAll(header);
    await writeAll(y);
    await writeAll(chroma);
  });
  file.close();
  const gt = groundTruth(width, height);
  await Deno.writeTextFile(`${base}.json`, JSON.stringify(gt));
  return gt;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "test-output/tracking/feed" },
      width: { type: "string", default: "640" },
      height: { type: "string", default: "360" },
      stills: { type: "boolean", default: false },
    },
  });
  const w = Number(values.width), h = Number(values.height);
  const t0 = performance.now();
  const gt = await writeFeed(values.out!, w, h);
  if (values.stills) {
    const picks = gt.segments.map((s) => s.to);
    await renderFeed(w, h, async (y, i) => {
      if (!picks.includes(i)) return;
      const head = new TextEncoder().encode(`P5 ${w} ${h} 255\n`);
      await Deno.writeFile(
        `${values.out}-${String(i).padStart(3, "0")}.pgm`,
        new Uint8Array([...head, ...y]),
      );
    });
  }
  console.log(
    `${values.out}.y4m: ${gt.frames.length} frames ${w}×${h} at ${gt.fps} fps ` +
      `(${(gt.frames.length / gt.fps).toFixed(1)} s) in ${Math.round(performance.now() - t0)} ms; ` +
      `ground truth ${values.out}.json`,
  );
}
