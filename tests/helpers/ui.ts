/** Small helpers for the browser tests: sign in, wait, read the call page's state, screenshots. */
import { callState, framesDecoded, login, waitFor } from "./call_pages.ts";
import type { Page } from "playwright-core";

const OUT = new URL("../../test-output/", import.meta.url);
const SHOTS = new URL("../../docs/screenshots/", import.meta.url);

/**
 * Screenshots always go to test-output/; the README's copies in docs/screenshots/ are written when missing
 * or with MOBIMAINT_UPDATE_SCREENSHOTS=1, so an ordinary test run leaves the work tree clean.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(OUT, { recursive: true });
  const path = new URL(`${name}.png`, OUT);
  await page.screenshot({ path: path.pathname });
  const docCopy = new URL(`${name}.png`, SHOTS);
  const missing = await Deno.stat(docCopy).then(() => false, () => true);
  if (missing || Deno.env.get("MOBIMAINT_UPDATE_SCREENSHOTS") === "1") {
    await Deno.mkdir(SHOTS, { recursive: true });
    await Deno.copyFile(path, docCopy);
  }
}

/** Signs in through the login form and waits for the home page. */
export const signIn = login;

/** Evaluates `expr` on the page with `m` bound to its `window.__mobimaint`. */
export const pageState = callState;

/** An element's box in page pixels (throws when it is not rendered). */
export async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not rendered`);
  return b;
}

export const overlap = (
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

export { framesDecoded, waitFor };
