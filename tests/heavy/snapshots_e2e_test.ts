/**
 * Freeze frame, snapshots and the call report in real Chromium with fake cameras over real WebRTC:
 * the Expert freezes, both pages show the same still (pixels compared), an arrow drawn on it lands at
 * the same normalised spot on both, unfreeze returns to playing video with live annotations intact,
 * snapshots are in the call record, and the report lists them with the arrow drawn and prints to a
 * PDF holding the image. Screenshots go to test-output/ (and docs/screenshots/ when missing).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { callState, DESKTOP, openCall, PHONE, videoFlowing, waitFor } from "../helpers/call_pages.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const OUT = new URL("../../test-output/", import.meta.url);
const SHOTS = new URL("../../docs/screenshots/", import.meta.url);

async function shot(page: Page, name: string) {
  await Deno.mkdir(OUT, { recursive: true });
  const path = new URL(`${name}.png`, OUT);
  await page.screenshot({ path: path.pathname });
  const docCopy = new URL(`${name}.png`, SHOTS);
  if (
    Deno.env.get("MOBIMAINT_UPDATE_SCREENSHOTS") === "1" ||
    await Deno.stat(docCopy).then(() => false, () => true)
  ) await Deno.copyFile(path, docCopy);
}

/** The still the page shows: its natural size and a digest of every decoded pixel. */
function stillPixels(page: Page) {
  return page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="still"]');
    if (!img || !img.complete || !img.naturalWidth) return null;
    const c = document.createElement("canvas");
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext("2d")!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261, sum = 0;
    for (let i = 0; i < data.length; i++) {
      h = Math.imul(h ^ data[i], 16777619);
      sum += data[i];
    }
    return { w: c.width, h: c.height, digest: h >>> 0, mean: sum / data.length, id: img.dataset.snapshotId };
  });
}

/** RGBA of the annotation canvas at normalised frame point (nx, ny) (device pixels). */
function canvasPixel(page: Page, nx: number, ny: number) {
  return page.evaluate(([nx, ny]) => {
    // deno-lint-ignore no-explicit-any
    const r = (globalThis as any).__mobimaint.drawn.value.rect;
    const c = document.querySelector<HTMLCanvasElement>("canvas.annotations")!;
    const dpr = c.width / c.clientWidth;
    const x = Math.round((r.x + nx * r.w) * dpr), y = Math.round((r.y + ny * r.h) * dpr);
    return [...c.getContext("2d")!.getImageData(x - 1, y - 1, 3, 3).data];
  }, [nx, ny]);
}

const isRed = (rgba: number[]) => {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] > 200 && rgba[i + 1] < 120 && rgba[i + 2] < 120 && rgba[i + 3] > 200) return true;
  }
  return false;
};

/** Drags an arrow on the page's drawing area between normalised points. */
async function drawArrow(page: Page, from: [number, number], to: [number, number]) {
  const box = (await page.locator("canvas.annotations").boundingBox())!;
  await waitFor("frame size", async () => (await callState(page, "m.drawn.value.rect.w")) > 0);
  const rect = await callState(page, "m.drawn.value.rect");
  const at = ([nx, ny]: [number, number]) =>
    [box.x + rect.x + nx * rect.w, box.y + rect.y + ny * rect.h] as const;
  await page.click('[data-tool="arrow"]');
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at([(from[0] + to[0]) / 2, (from[1] + to[1]) / 2]), { steps: 4 });
  await page.mouse.move(...at(to), { steps: 4 });
  await page.mouse.up();
}

Deno.test({
  name: "browser: freeze frame, snapshots and the call report",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  // A long grace: on a loaded machine the call page may take more than the default 2 s to rejoin after
  // the home page's socket closed, and this test is not about the grace period.
  const server: TestServer = await startTestServer({ MOBIMAINT_GRACE_MS: "15000" });
  const base = server.url;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const { tech, expert, callId, techCtx, expertCtx } = await openCall(browser, base);
    const pages = [tech, expert];
    let healthy = true;
    const step = async (name: string, fn: () => Promise<void>) => {
      healthy = await t.step({ name, ignore: !healthy, fn }) && healthy;
    };
    let snapshotId = "";

    await step("a live arrow first (it must survive the freeze)", async () => {
      await drawArrow(expert, [0.1, 0.8], [0.25, 0.9]);
      await waitFor(
        "live arrow on the technician",
        async () => (await callState(tech, "m.drawn.value.count")) === 1,
      );
    });

    await step("the expert freezes: both pages show the same full-resolution still", async () => {
      await expert.click('[data-testid="freeze"]');
      const stills = await Promise.all(pages.map(async (p) => {
        let px: Awaited<ReturnType<typeof stillPixels>> = null;
        await waitFor("still shown", async () => (px = await stillPixels(p)) !== null);
        return px!;
      }));
      assert.deepEqual(stills[0], stills[1], "same still, pixel for pixel");
      assert.ok(stills[0].mean > 5, "not a black frame");
      snapshotId = stills[0].id!;
      const track = await tech.evaluate(() => {
        // deno-lint-ignore no-explicit-any
        const s = (globalThis as any).__mobimaint.call.media.stream.value.getVideoTracks()[0].getSettings();
        return { w: s.width, h: s.height };
      });
      assert.deepEqual([stills[0].w, stills[0].h], [track.w, track.h], "the camera's own resolution");
      const received = await expert.evaluate(() =>
        document.querySelector<HTMLVideoElement>(".video-main video")!.videoWidth
      );
      console.log(
        `  still ${stills[0].w}×${stills[0].h}; the expert's received video was ${received} px wide`,
      );
      for (const p of pages) {
        assert.equal(await p.getAttribute('[data-testid="freeze"]', "aria-pressed"), "true");
        assert.equal(await callState(p, "m.drawn.value.count"), 0, "live annotations hidden on the still");
      }
    });

    await step("an arrow drawn on the still lands at the same normalised spot on both", async () => {
      await drawArrow(expert, [0.3, 0.3], [0.6, 0.55]);
      await waitFor(
        "arrow on the technician",
        async () => (await callState(tech, "m.drawn.value.count")) === 1,
      );
      const arrows = await Promise.all(
        pages.map((p) =>
          callState(
            p,
            `m.call.board.annotations.value.filter((a) => a.frozenFrameId === ${JSON.stringify(snapshotId)})`,
          )
        ),
      );
      assert.deepEqual(arrows[0], arrows[1]);
      const [a] = arrows[0];
      const near = (v: number, want: number) => assert.ok(Math.abs(v - want) < 0.02, `${v} ≈ ${want}`);
      near(a.points[0][0], 0.3);
      near(a.points[0][1], 0.3);
      near(a.points[1][0], 0.6);
      near(a.points[1][1], 0.55);
      for (const p of pages) {
        assert.ok(isRed(await canvasPixel(p, 0.45, 0.425)), "arrow drawn over the same spot of the still");
        assert.ok(!isRed(await canvasPixel(p, 0.45, 0.2)), "and not elsewhere");
      }
      await shot(tech, "freeze-technician-phone");
      await shot(expert, "freeze-expert-desktop");
      await tech.setViewportSize({ width: PHONE.height, height: PHONE.width });
      await waitFor("redrawn in landscape", async () => isRed(await canvasPixel(tech, 0.45, 0.425)));
      await shot(tech, "freeze-technician-phone-landscape");
      await tech.setViewportSize(PHONE);
    });

    await step("unfreeze (F key on the phone): both back to playing video, live arrow intact", async () => {
      await tech.locator("body").press("f");
      for (const p of pages) {
        await p.locator('[data-testid="still"]').waitFor({ state: "detached" });
        // The live arrow, plus the still's arrow when the still carried the camera's pose (anchored
        // drawings follow the object live, docs/anchored-annotations.md).
        await waitFor(
          "live annotations",
          async () =>
            (await callState(
              p,
              "m.drawn.value.count - m.call.board.annotations.value.filter((a) => a.frozenFrameId && a.anchor).length",
            )) === 1,
        );
      }
      await waitFor(
        "video playing on both",
        async () => (await videoFlowing(tech)) && (await videoFlowing(expert)),
      );
      const detail = await (await expert.request.get(`${base}/api/calls/${encodeURIComponent(callId)}`))
        .json();
      assert.deepEqual(detail.snapshots.map((s: { id: string }) => s.id), [snapshotId]);
      assert.equal(detail.frozen, undefined);
    });

    await step("save a snapshot from the expert; reopen the first one from the strip", async () => {
      await expert.click('[data-testid="save-snapshot"]');
      for (const p of pages) {
        await waitFor(
          "two thumbnails",
          async () => (await p.locator('[data-testid="snapshot-strip"] li').count()) === 2,
        );
      }
      await tech.click(`[data-testid="snapshot-strip"] [data-snapshot-id="${snapshotId}"]`);
      for (const p of pages) {
        await waitFor("first still again", async () => (await stillPixels(p))?.id === snapshotId);
        await waitFor("its arrow again", async () => (await callState(p, "m.drawn.value.count")) === 1);
      }
      await shot(expert, "snapshots-strip-desktop");
      await expert.click('[data-testid="freeze"]'); // unfreeze
      await tech.locator('[data-testid="still"]').waitFor({ state: "detached" });
    });

    await step("controls are labelled and nothing overflows (phone, landscape, desktop)", async () => {
      for (
        const [p, sizes] of [[tech, [PHONE, { width: PHONE.height, height: PHONE.width }]], [expert, [
          DESKTOP,
        ]]] as const
      ) {
        for (const size of sizes) {
          await p.setViewportSize(size);
          const overflow = await p.evaluate(() => document.documentElement.scrollWidth - innerWidth);
          assert.ok(overflow <= 0, `horizontal overflow ${overflow}px at ${size.width}×${size.height}`);
          for (const sel of ['[data-testid="freeze"]', '[data-testid="save-snapshot"]']) {
            assert.ok(await p.getAttribute(sel, "aria-label"));
            assert.ok(await p.locator(sel).isVisible(), `${sel} visible at ${size.width}×${size.height}`);
          }
        }
      }
      await tech.setViewportSize(PHONE);
    });

    await step("the call report: snapshots with the arrow drawn, and a PDF holding the image", async () => {
      await tech.click("button:has-text('End call')");
      await tech.waitForURL(`${base}/`);
      const link = tech.locator(
        `[data-testid="history"] [data-call-id="${callId}"] a[data-testid="report-link"]`,
      );
      await link.click();
      await tech.waitForURL(`${base}/calls/${encodeURIComponent(callId)}/report`);
      const figure = tech.locator(`figure[data-snapshot-id="${snapshotId}"]`);
      await figure.waitFor();
      assert.equal(
        await figure.locator('svg [data-kind="arrow"]').count(),
        1,
        "the arrow drawn on its still",
      );
      assert.equal(await tech.locator("figure[data-snapshot-id]").count(), 2);
      await waitFor(
        "report images loaded",
        () => tech.evaluate(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)),
      );
      await shot(tech, "report-phone");
      const report = await expertCtx.newPage();
      await report.goto(`${base}/calls/${encodeURIComponent(callId)}/report`);
      await waitFor(
        "images loaded",
        () => report.evaluate(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)),
      );
      await shot(report, "report-desktop");
      const pdf = await report.pdf({ format: "A4", printBackground: true });
      await Deno.writeFile(new URL("report.pdf", OUT), pdf);
      assert.equal(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
      const text = new TextDecoder("latin1").decode(pdf);
      assert.match(text, /\/Subtype\s*\/Image/, "an image XObject");
      console.log(`  report PDF ${pdf.byteLength} bytes`);
      const download = await report.request.get(
        `${base}/calls/${encodeURIComponent(callId)}/report?download=1`,
      );
      assert.equal(download.status(), 200);
      assert.match(download.headers()["content-disposition"], /attachment/);
      const html = await download.text();
      assert.equal(
        (html.match(/src="data:image\/(jpeg|png|webp);base64,/g) ?? []).length,
        2,
        "images inlined",
      );
      assert.ok(!/src="\/api\//.test(html), "no link back to the server");
      void techCtx;
    });
  } finally {
    await browser?.close();
    await server.close();
  }
});
