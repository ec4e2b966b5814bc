/**
 * Candidate comparison for the tracker's hot loop: the shipped pyramidal Lucas–Kanade (jsfeat's,
 * lib/client/tracking/lk.ts, started from rest as jsfeat's own is) against a small hand-written one (below, same window, levels and iterations), on consecutive frame pairs of the
 * synthetic feed. For each pair: FAST corners of the first frame, tracked into the second, compared
 * with where the ground truth puts them. Prints time per frame and the error.
 *
 *   deno run -A bench/tracking/lk_compare.ts
 */
import { apply, invert, mul } from "../../lib/homography.ts";
import { cv, type Pyramid } from "../../lib/client/tracking/cv.ts";
import { FeatureDetector } from "../../lib/client/tracking/features.ts";
import { GuidedLk } from "../../lib/client/tracking/lk.ts";
import { renderFeed } from "./make_feed.ts";
import { halve, percentile } from "./offline.ts";
import { timeline, worldToFrame } from "./scene.ts";

const W = 320, H = 180, WIN = 15, LEVELS = 3, ITERS = 20, EPS = 0.03;

/** A plain pyramidal LK (Bouguet): 2×2 box pyramid, central differences, bilinear sampling. */
class HandLK {
  static pyramid(gray: Uint8Array, w: number, h: number) {
    const out = [];
    let img = Float32Array.from(gray), lw = w, lh = h;
    for (let l = 0; l < LEVELS; l++) {
      const gx = new Float32Array(lw * lh), gy = new Float32Array(lw * lh);
      for (let y = 1; y < lh - 1; y++) {
        for (let x = 1; x < lw - 1; x++) {
          const i = y * lw + x;
          gx[i] = (img[i + 1] - img[i - 1]) / 2;
          gy[i] = (img[i + lw] - img[i - lw]) / 2;
        }
      }
      out.push({ w: lw, h: lh, img, gx, gy });
      const nw = lw >> 1, nh = lh >> 1, next = new Float32Array(nw * nh);
      for (let y = 0; y < nh; y++) {
        for (let x = 0; x < nw; x++) {
          const i = 2 * y * lw + 2 * x;
          next[y * nw + x] = (img[i] + img[i + 1] + img[i + lw] + img[i + lw + 1]) / 4;
        }
      }
      img = next;
      lw = nw;
      lh = nh;
    }
    return out;
  }

  track(
    prev: ReturnType<typeof HandLK.pyramid>,
    cur: ReturnType<typeof HandLK.pyramid>,
    pts: Float32Array,
    out: Float32Array,
    n: number,
    status: Uint8Array,
  ) {
    const half = (WIN - 1) / 2, area = WIN * WIN;
    const ix = new Float32Array(area), iy = new Float32Array(area), iv = new Float32Array(area);
    const sample = (a: Float32Array, w: number, h: number, x: number, y: number) => {
      if (x < 0 || y < 0 || x >= w - 1 || y >= h - 1) return NaN;
      const x0 = x | 0, y0 = y | 0, fx = x - x0, fy = y - y0, i = y0 * w + x0;
      return (a[i] * (1 - fx) + a[i + 1] * fx) * (1 - fy) + (a[i + w] * (1 - fx) + a[i + w + 1] * fx) * fy;
    };
    for (let p = 0; p < n; p++) {
      let gxs = 0, gys = 0, ok = true;
      for (let l = LEVELS - 1; l >= 0 && ok; l--) {
        const P = prev[l], C = cur[l], s = 1 / (1 << l);
        const px = pts[2 * p] * s, py = pts[2 * p + 1] * s;
        let a = 0, b = 0, c = 0, k = 0;
        for (let dy = -half; dy <= half; dy++) {
          for (let dx = -half; dx <= half; dx++, k++) {
            iv[k] = sample(P.img, P.w, P.h, px + dx, py + dy);
            ix[k] = sample(P.gx, P.w, P.h, px + dx, py + dy);
            iy[k] = sample(P.gy, P.w, P.h, px + dx, py + dy);
            if (Number.isNaN(iv[k])) iv[k] = ix[k] = iy[k] = 0;
            a += ix[k] * ix[k];
            b += ix[k] * iy[k];
            c += iy[k] * iy[k];
          }
        }
        const det = a * c - b * b;
        if (
          det < 1e-6 || (a + c - Math.sqrt((a - c) ** 2 + 4 * b * b)) / 2 / area < 0.0008 * 255 * 255 / 64
        ) {
          ok = false;
          break;
        }
        let vx = 0, vy = 0;
        for (let it = 0; it < ITERS; it++) {
          let bx = 0, by = 0;
          k = 0;
          for (let dy = -half; dy <= half; dy++) {
            for (let dx = -half; dx <= half; dx++, k++) {
              const j = sample(C.img, C.w, C.h, px + dx + gxs + vx, py + dy + gys + vy);
              if (Number.isNaN(j)) continue;
              const d = iv[k] - j;
              bx += d * ix[k];
              by += d * iy[k];
            }
          }
          const ux = (c * bx - b * by) / det, uy = (a * by - b * bx) / det;
          vx += ux;
          vy += uy;
          if (ux * ux + uy * uy < EPS * EPS) break;
        }
        gxs = l ? 2 * (gxs + vx) : gxs + vx;
        gys = l ? 2 * (gys + vy) : gys + vy;
      }
      status[p] = ok ? 1 : 0;
      out[2 * p] = pts[2 * p] + gxs;
      out[2 * p + 1] = pts[2 * p + 1] + gys;
    }
  }
}

export interface LkComparison {
  name: string;
  msP50: number;
  msP95: number;
  errPxP50: number;
  errPxP95: number;
  dropped: number;
}

/** Both trackers over the consecutive frame pairs of the feed while the scene is in view. */
export async function compareLk(): Promise<LkComparison[]> {
  const tl = timeline();
  const gt = tl.poses.map((p) => worldToFrame(p, W, H));
  const frames: Uint8Array[] = [];
  await renderFeed(640, 360, (y) => void frames.push(halve(y, 640, 360)));
  const detector = new FeatureDetector(W, H);
  const results: Record<string, { ms: number[]; err: number[]; lost: number }> = {
    shipped: { ms: [], err: [], lost: 0 },
    hand: { ms: [], err: [], lost: 0 },
  };
  const pyr = (g: Uint8Array) => {
    const p: Pyramid = new cv.pyramid_t(LEVELS);
    p.allocate(W, H, cv.U8C1_t);
    p.data[0].data.set(g);
    p.build(p.data[0], true);
    return p;
  };
  const lk = new HandLK();
  const guided = new GuidedLk(W, H, WIN);
  const scene = tl.segments.find((s) => s.name === "leave")!.from;
  for (let t = 0; t + 1 < scene; t++) {
    const kps = detector.detect(pyr(frames[t]).data[0], 12, 150, 12);
    const n = kps.length,
      pts = new Float32Array(n * 2),
      out = new Float32Array(n * 2),
      st = new Uint8Array(n);
    kps.forEach((k, i) => (pts[2 * i] = k.x, pts[2 * i + 1] = k.y));
    const step = mul(gt[t + 1], invert(gt[t]));
    const score = (name: string) => {
      for (let i = 0; i < n; i++) {
        if (!st[i]) {
          results[name].lost++;
          continue;
        }
        const [gx, gy] = apply(step, pts[2 * i], pts[2 * i + 1]);
        results[name].err.push(Math.hypot(out[2 * i] - gx, out[2 * i + 1] - gy));
      }
    };
    // Each timing includes building what that tracker needs for the new frame (its pyramid).
    let t0 = performance.now();
    const a = pyr(frames[t]), b = pyr(frames[t + 1]);
    out.set(pts); // from rest: what jsfeat's own function does
    guided.track(a, b, pts, out, n, ITERS, st, EPS, 0.0008);
    results.shipped.ms.push(performance.now() - t0);
    score("shipped");
    t0 = performance.now();
    lk.track(HandLK.pyramid(frames[t], W, H), HandLK.pyramid(frames[t + 1], W, H), pts, out, n, st);
    results.hand.ms.push(performance.now() - t0);
    score("hand");
  }
  return Object.entries(results).map(([name, r]) => ({
    name,
    msP50: percentile(r.ms, 0.5),
    msP95: percentile(r.ms, 0.95),
    errPxP50: percentile(r.err, 0.5),
    errPxP95: percentile(r.err, 0.95),
    dropped: r.lost,
  }));
}

if (import.meta.main) {
  for (const r of await compareLk()) {
    console.log(
      `${r.name.padEnd(7)} ms/frame (150 points, 320×180, two pyramids) median ${r.msP50.toFixed(2)} ` +
        `p95 ${r.msP95.toFixed(2)}; error px median ${r.errPxP50.toFixed(3)} p95 ${r.errPxP95.toFixed(3)}; ` +
        `points dropped ${r.dropped}`,
    );
  }
}
