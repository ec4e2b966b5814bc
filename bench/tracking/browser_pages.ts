/** The benchmark's page helpers: signing in, waiting, reading the call's state, sampling what a page draws, its JS. */
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { BARCODE_BITS, BARCODE_ROWS } from "./scene.ts";

/** Signs in on the login page and waits for the home page. */
export async function login(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

/** Polls `check` every 100 ms until it holds; throws after `timeoutMs`, with what `explain` says then. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
  explain?: () => Promise<string>,
) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = await explain?.().catch((e) => `(could not say why: ${e})`);
  throw new Error(`timed out waiting for ${what}${why ? `: ${why}` : ""}`);
}

/** Evaluates `expr` on the page, with `m` the page's `__mobimaint`. */
// deno-lint-ignore no-explicit-any
export const state = (page: Page, expr: string): Promise<any> =>
  page.evaluate(`(() => { const m = globalThis.__mobimaint; return ${expr}; })()`);

/** Starts sampling on the expert's page: per shown video frame, its barcode and the pins as drawn. */
export function startSampling(page: Page) {
  return page.evaluate(({ bits, rows }) => {
    const g = globalThis as unknown as Record<string, unknown>;
    const video = document.querySelector("video") as HTMLVideoElement;
    const c = new OffscreenCanvas(320, 8), ctx = c.getContext("2d", { willReadFrequently: true })!;
    const samples: unknown[] = [];
    g.__samples = samples;
    const tick = () => {
      if (g.__stopSampling) return;
      video.requestVideoFrameCallback(() => {
        const vh = video.videoHeight, vw = video.videoWidth;
        // The barcode strip: the top BARCODE_ROWS of 360, read along its middle row.
        const sy = Math.floor((rows / 2 / 360) * vh);
        ctx.drawImage(video, 0, sy, vw, 1, 0, 0, 320, 1);
        const px = ctx.getImageData(0, 0, 320, 1).data;
        let frame = 0;
        for (let b = 0; b < bits; b++) {
          const i = Math.round(((b + 0.5) / bits) * 320) * 4;
          frame = (frame << 1) | (px[i] + px[i + 1] + px[i + 2] > 384 ? 1 : 0);
        }
        // deno-lint-ignore no-explicit-any
        const m = (globalThis as any).__mobimaint;
        const placed = m?.anchored?.current?.placed ?? [];
        samples.push({
          frame,
          pins: placed.map((p: { at: [number, number]; onScreen: boolean; uncertain: boolean }) => ({
            at: p.at,
            onScreen: p.onScreen,
            uncertain: p.uncertain,
          })),
        });
        tick();
      });
    };
    tick();
  }, { bits: BARCODE_BITS, rows: BARCODE_ROWS });
}

/** The frame index in the barcode of the still shown on the page (a frozen frame). */
export function stillFrame(page: Page): Promise<number> {
  return page.evaluate(({ bits, rows }) => {
    const img = document.querySelector('[data-testid="still"]') as HTMLImageElement;
    const ctx = new OffscreenCanvas(320, 1).getContext("2d", { willReadFrequently: true })!;
    const sy = Math.floor((rows / 2 / 360) * img.naturalHeight);
    ctx.drawImage(img, 0, sy, img.naturalWidth, 1, 0, 0, 320, 1);
    const px = ctx.getImageData(0, 0, 320, 1).data;
    let frame = 0;
    for (let b = 0; b < bits; b++) {
      const i = Math.round(((b + 0.5) / bits) * 320) * 4;
      frame = (frame << 1) | (px[i] + px[i + 1] + px[i + 2] > 384 ? 1 : 0);
    }
    return frame;
  }, { bits: BARCODE_BITS, rows: BARCODE_ROWS });
}

/**
 * The tracking worker's bundle (with the chunks it imports), gzip bytes, and whether the page's initial JS
 * (`html`, served from `base`) holds the tracker.
 */
export async function measureBundles(
  html: string,
  base: string,
): Promise<{ workerGzipBytes: number; trackingInInitialJs: boolean }> {
  const initial = [
    ...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g),
  ]
    .map((m) => m[1]);
  // The room opens in place of the home page, which hides its own elements: attributes may follow the id.
  const workerPath = JSON.parse(/id="__FRESH_WORKERS__"[^>]*>([^<]+)</.exec(html)![1])[0]
    .tracking as string;
  const fetchJs = async (p: string) => new Uint8Array(await (await fetch(base + p)).arrayBuffer());
  const workerJs = await fetchJs(workerPath);
  let workerGzipBytes = gzipSync(workerJs).byteLength;
  for (const m of new TextDecoder().decode(workerJs).matchAll(/from"\.\/([^"]+)"/g)) {
    workerGzipBytes += gzipSync(await fetchJs(`/_fresh/js/${m[1]}`)).byteLength;
  }
  let trackingInInitialJs = false;
  for (const u of initial) {
    if (new TextDecoder().decode(await fetchJs(u)).includes("optical_flow_lk")) trackingInInitialJs = true;
  }
  return { workerGzipBytes, trackingInInitialJs };
}
