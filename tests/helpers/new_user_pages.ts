/**
 * The pages of the new-user browser test (issue #18): the screen sizes it uses, a getUserMedia spy,
 * the technician's phone and the experts' desktop contexts, and the home-page checks it makes.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";

export const PHONE = { width: 390, height: 844 };
export const LANDSCAPE = { width: 844, height: 390 };
export const DESKTOP = { width: 1440, height: 900 };
export const SMALL_DESKTOP = { width: 800, height: 600 };
export const media = ["camera", "microphone"];

/** Records the constraints of every getUserMedia call (the real one still answers). */
export const SPY_GUM = `(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const real = md.getUserMedia.bind(md);
  globalThis.__gum = [];
  md.getUserMedia = (c) => { globalThis.__gum.push(JSON.parse(JSON.stringify(c ?? {}))); return real(c); };
})()`;

export const row = (callId: string) => `[data-testid="history"] [data-call-id="${callId}"]`;

/**
 * The technician's phone context (getUserMedia spied on), the expert's desktop context (notifications
 * allowed) and user3's, with a page each for the technician and the expert; `watch` logs a page's errors.
 */
export async function openNewUserPages(browser: Browser) {
  const techCtx: BrowserContext = await browser.newContext({
    viewport: PHONE,
    permissions: media,
    hasTouch: true,
  });
  await techCtx.addInitScript(SPY_GUM);
  const expertCtx = await browser.newContext({
    viewport: DESKTOP,
    permissions: [...media, "notifications"],
  });
  const user3Ctx = await browser.newContext({ viewport: DESKTOP, permissions: media });
  const tech = await techCtx.newPage();
  const expert = await expertCtx.newPage();
  const watch = (who: string, page: Page) => {
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => console.error(`[${who} pageerror]`, e.message));
  };
  watch("tech", tech);
  watch("expert", expert);
  return { techCtx, expertCtx, user3Ctx, tech, expert, watch };
}

/**
 * The app is installable: a manifest Chromium parses without errors, standalone, with 192 and 512 px PNG icons.
 */
export async function assertInstallable(tech: Page, techCtx: BrowserContext, base: string) {
  const href = await tech.locator('link[rel="manifest"]').getAttribute("href");
  assert.ok(href);
  const manifest = await (await fetch(new URL(href, base))).json();
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.start_url, "/");
  for (const size of [192, 512]) {
    const icon = manifest.icons.find((i: { sizes: string; type: string }) =>
      i.sizes === `${size}x${size}` && i.type === "image/png"
    );
    const png = new Uint8Array(await (await fetch(new URL(icon.src, base))).arrayBuffer());
    const dv = new DataView(png.buffer);
    assert.deepEqual(
      [dv.getUint32(16), dv.getUint32(20)],
      [size, size],
      `icon ${size} is ${size}×${size}`,
    );
  }
  const cdp = await techCtx.newCDPSession(tech);
  const parsed = await cdp.send("Page.getAppManifest");
  assert.deepEqual(parsed.errors, [], "Chromium parses the manifest without errors");
  await cdp.detach();
}
