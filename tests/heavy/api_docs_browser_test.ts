/**
 * The API reference in real Chromium: Swagger UI loads from this server alone (no CDN: the network is
 * closed) and runs under the app's CSP (`script-src 'self'`), showing every documented operation.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { startTestServer } from "../helpers/server.ts";

Deno.test({
  name: "API reference page: every operation rendered, no CSP violation, nothing fetched elsewhere",
  ignore: !hasChromium,
  fn: async () => {
    const server = await startTestServer();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const foreign: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        // The browser asks for /favicon.ico by itself; the app has none.
        if (m.type() === "error" && !/favicon|404 \(Not Found\)/.test(m.text())) problems.push(m.text());
      });
      // Every file the page loads answers 200 (the favicon the browser asks for itself is no page request).
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
      });
      page.on("request", (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) foreign.push(r.url());
      });
      const res = await page.goto(`${server.url}/api/docs`);
      assert.match(res?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
      await page.waitForSelector(".opblock", { timeout: 20_000 });
      const documented = (await (await fetch(`${server.url}/api/openapi.json`)).json()).paths;
      const operations = Object.values(documented as Record<string, object>)
        .reduce((n: number, ops) => n + Object.keys(ops).length, 0);
      assert.equal(await page.locator(".opblock").count(), operations);
      assert.ok(await page.getByText("/api/calls/{id}/end").first().isVisible());
      assert.deepEqual(problems, []);
      assert.deepEqual(foreign, []);

      await page.goto(`${server.url}/api/docs/events`);
      assert.ok(await page.locator("#receive-call-request").isVisible());
      assert.ok(await page.locator("#send-user-status-changes").isVisible());
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
