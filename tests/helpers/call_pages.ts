/**
 * Two real Chromium pages in a call: the Technician (phone viewport, fake camera) and the Expert
 * (desktop), signed in through the login form; plus readers of the call page's state.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

export async function login(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Evaluates `expr` with `m` bound to the call page's test hook (`window.__mobimaint`). */
// deno-lint-ignore no-explicit-any
export const callState = (page: Page, expr: string): Promise<any> =>
  page.evaluate(`(() => { const m = globalThis.__mobimaint; return ${expr}; })()`);

/** Frames decoded by the call page's peer connection (inbound video). */
export function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const call = (globalThis as any).__mobimaint?.call;
    const report: RTCStatsReport | undefined = await call?.stats();
    let frames = 0;
    report?.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded ?? 0;
    });
    return frames;
  });
}

/** True when the page's remote video is decoding right now (frames advance within half a second). */
export async function videoFlowing(page: Page): Promise<boolean> {
  const before = await framesDecoded(page);
  await new Promise((r) => setTimeout(r, 500));
  return (await framesDecoded(page)) > before;
}

export interface CallPages {
  techCtx: BrowserContext;
  expertCtx: BrowserContext;
  tech: Page;
  expert: Page;
  callId: string;
}

/** user1 (phone) calls user2 (desktop), who accepts; resolves once video decodes on both pages. */
export async function openCall(browser: Browser, base: string): Promise<CallPages> {
  const permissions = ["camera", "microphone"];
  const techCtx = await browser.newContext({ viewport: PHONE, permissions, hasTouch: true });
  const expertCtx = await browser.newContext({ viewport: DESKTOP, permissions });
  const tech = await techCtx.newPage();
  const expert = await expertCtx.newPage();
  for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => console.error(`[${who} pageerror]`, e.message));
    page.on(
      "console",
      (m) => m.type() === "warning" && !m.text().startsWith("Canvas2D") && console.warn(`[${who}]`, m.text()),
    );
  }
  await login(tech, base, "user1", "P");
  await login(expert, base, "user2", "P");
  await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
  await tech.click('button[aria-label="Call user2"]');
  await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
  await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);
  const callId = decodeURIComponent(new URL(tech.url()).pathname.split("/").pop()!);
  await waitFor("video decoding on both pages", async () => {
    const [a, b] = await Promise.all([framesDecoded(tech), framesDecoded(expert)]);
    return a > 0 && b > 0;
  }, 40_000).catch(async (e) => { // generous: the machine is shared with other test runs
    for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
      const diag = await callState(
        page,
        "JSON.stringify({ events: m.call.events, peer: m.call.peerState.value })",
      );
      console.error(`[${who}] ${diag}`);
    }
    throw e;
  });
  return { techCtx, expertCtx, tech, expert, callId };
}
