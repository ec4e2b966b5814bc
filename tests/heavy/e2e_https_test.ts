/**
 * One real call over HTTPS in Chromium: the server serves TLS with a test CA's certificate, both pages
 * run on https://mobimaint.test (a secure context, not localhost), and video decodes on both sides.
 * Skipped (never passed) when /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH, hasChromium } from "../helpers/browser.ts";
import { startTestServer } from "../helpers/server.ts";
import { chromiumTlsArgs, makeTestCertificates } from "../helpers/tls.ts";

function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const report: RTCStatsReport | undefined = await (globalThis as any).__mobimaint?.call?.stats();
    let frames = 0;
    report?.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded ?? 0;
    });
    return frames;
  });
}

Deno.test({
  name: "browser over HTTPS: login and a real WebRTC call on https://mobimaint.test with the test CA",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const certs = await makeTestCertificates();
  const server = await startTestServer({
    MOBIMAINT_TLS_CERT: certs.certPath,
    MOBIMAINT_TLS_KEY: certs.keyPath,
  });
  const base = `https://mobimaint.test:${server.port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_FLAGS, ...await chromiumTlsArgs(certs)],
      headless: true,
    });
    const pages: Page[] = [];
    for (const [username, password] of [["user1", "P"], ["user2", "P"]]) {
      const ctx = await browser.newContext({ permissions: ["camera", "microphone"] });
      const page = await ctx.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/login`);
      await page.fill("#username", username);
      await page.fill("#password", password);
      await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
      assert.equal(await page.evaluate(() => isSecureContext), true);
      const cookie = (await ctx.cookies()).find((c) => c.name === "mobimaint_session");
      assert.ok(cookie?.secure && cookie.httpOnly, "the session cookie is Secure and HttpOnly over HTTPS");
      pages.push(page);
    }
    const [tech, expert] = pages;
    await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
    await tech.click('button[aria-label="Call user2"]');
    await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
    await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);
    const until = Date.now() + 15_000;
    let frames = [0, 0];
    while (Date.now() < until && !(frames[0] > 0 && frames[1] > 0)) {
      await new Promise((r) => setTimeout(r, 200));
      frames = await Promise.all([framesDecoded(tech), framesDecoded(expert)]);
    }
    assert.ok(frames[0] > 0 && frames[1] > 0, `video decoding over HTTPS on both pages: ${frames}`);
    // The signaling socket ran over wss:// on the same port.
    assert.match(tech.url(), /^https:\/\/mobimaint\.test:\d+\/call\//);
  } finally {
    await browser?.close();
    await server.close();
  }
});
