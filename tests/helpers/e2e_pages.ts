/**
 * The end-to-end browser test's two pages (the technician on a phone, the expert on a desktop) and the
 * longer things its steps do on them: drawing an arrow and a pin, checking every control is labelled and
 * the page fits, reading where keyboard focus is, and measuring the JavaScript a page loads.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { callState, DESKTOP, PHONE, waitFor } from "./call_pages.ts";
import { shot } from "./ui.ts";

/** The technician's phone context and the expert's desktop context, one page each, page errors logged. */
export async function openTwoPages(browser: Browser) {
  const permissions = ["camera", "microphone"];
  const techCtx: BrowserContext = await browser.newContext({
    viewport: PHONE,
    permissions,
    hasTouch: true,
  });
  const expertCtx: BrowserContext = await browser.newContext({ viewport: DESKTOP, permissions });
  const tech = await techCtx.newPage();
  const expert = await expertCtx.newPage();
  for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => console.error(`[${who} pageerror]`, e.message));
    page.on("console", (m) => m.type() === "warning" && console.warn(`[${who}]`, m.text()));
  }
  return { techCtx, expertCtx, tech, expert };
}

/**
 * The expert draws an arrow and a text pin on the remote picture; the technician gets both, at the same
 * place, and draws them on its preview.
 */
export async function drawArrowAndPin(tech: Page, expert: Page) {
  const canvas = expert.locator("canvas.annotations");
  const box = (await canvas.boundingBox())!;
  await waitFor("remote frame size", async () => (await callState(expert, "m.drawn.value.rect.w")) > 0);
  const rect = await callState(expert, "m.drawn.value.rect");
  const at = (nx: number, ny: number) =>
    [box.x + rect.x + nx * rect.w, box.y + rect.y + ny * rect.h] as const;
  await expert.click('[data-tool="arrow"]');
  await expert.mouse.move(...at(0.3, 0.3));
  await expert.mouse.down();
  await expert.mouse.move(...at(0.45, 0.42), { steps: 4 });
  await expert.mouse.move(...at(0.6, 0.55), { steps: 4 });
  await expert.mouse.up();
  await expert.click('[data-tool="pin"]');
  await expert.fill("#pin-text", "Open this valve");
  // Measured again: the picture's box moves when the received resolution or the toolbar changes.
  const box2 = (await canvas.boundingBox())!;
  const rect2 = await callState(expert, "m.drawn.value.rect");
  await expert.mouse.click(box2.x + rect2.x + 0.7 * rect2.w, box2.y + rect2.y + 0.4 * rect2.h);
  await waitFor(
    "annotations on the technician",
    async () => (await callState(tech, "m.call.board.annotations.value.length")) === 2,
  );
  const sorted = "JSON.stringify([...m.call.board.annotations.value].sort((a, b) => a.id < b.id ? -1 : 1))";
  const mine = JSON.parse(await callState(expert, sorted));
  const theirs = JSON.parse(await callState(tech, sorted));
  assert.deepEqual(theirs, mine);
  const arrow = theirs.find((a: { kind: string }) => a.kind === "arrow");
  const pin = theirs.find((a: { kind: string }) => a.kind === "pin");
  const near = (v: number, want: number) => assert.ok(Math.abs(v - want) < 0.02, `${v} ≈ ${want}`);
  near(arrow.points[0][0], 0.3);
  near(arrow.points[0][1], 0.3);
  near(arrow.points[1][0], 0.6);
  near(arrow.points[1][1], 0.55);
  near(pin.x, 0.7);
  near(pin.y, 0.4);
  assert.equal(pin.text, "Open this valve");
  await waitFor(
    "drawn on the technician's preview",
    async () => (await callState(tech, "m.drawn.value.count")) === 2,
  );
  await shot(tech, "call-technician-phone");
  await shot(expert, "call-expert-desktop");
}

/** Every control on `page` has a name (label, aria-label or text) and nothing overflows sideways. */
export async function assertLabelledAndFits(page: Page) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, video, canvas[tabindex='0']")]
      .filter((el) => {
        const labels = (el as HTMLInputElement).labels;
        const name = el.getAttribute("aria-label") || (labels && labels.length) ||
          (el.tagName === "BUTTON" && (el as HTMLElement).innerText.trim());
        return !name;
      }).map((el) => el.outerHTML.slice(0, 80))
  );
  assert.deepEqual(unlabelled, []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
}

/** When video does not come back: prints what each page's call went through, then throws the error. */
export const callStatesThen = (tech: Page, expert: Page) => async (e: unknown): Promise<never> => {
  for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
    const diag = await callState(
      page,
      "JSON.stringify({ events: m?.call.events, peer: m?.call.peerState.value, counters: m?.call.counters })",
    ).catch((err) => String(err));
    console.error(`[${who}] ${diag}`);
  }
  throw e;
};

/** The text of the focused element when it is inside `dialog`, else "outside: " and its tag. */
export const focused = (page: Page, dialog: string) =>
  page.evaluate((sel) => {
    const el = document.activeElement;
    return el?.closest(sel) ? el.textContent?.trim() : `outside: ${el?.tagName}`;
  }, dialog);

export /** Bytes of JavaScript a page loads (module scripts and preloaded chunks), raw and gzip. */
async function jsShipped(base: string, path: string, cookie: string) {
  const html = await (await fetch(base + path, { headers: { cookie } })).text();
  const urls = [...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)]
    .map((m) => m[1]);
  let raw = 0, gzip = 0;
  for (const u of urls) {
    const body = new Uint8Array(await (await fetch(base + u)).arrayBuffer());
    raw += body.byteLength;
    gzip += gzipSync(body).byteLength;
  }
  return { files: urls.length, raw, gzip };
}
