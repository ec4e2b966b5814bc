/**
 * `deno task bench --accept`: from the Expert's click on *Accept* to both pages decoding the other's
 * video, in real Chromium (fake cameras, loopback) against the server started as its own process,
 * over `--accept-calls` calls (default 20). Each call is placed, accepted, timed and ended through the
 * pages as a user does; the time is read by polling both pages' `getStats` every 10 ms, so a figure
 * is at most ~10 ms late. Prints p50/p95 and writes bench/results/accept-latest.json.
 */
import type { Page } from "playwright-core";
import { launchChromium } from "../tests/helpers/browser.ts";
import { startServerProcess } from "./server_process.ts";
import { sleep } from "./stats.ts";

declare global {
  var __mobimaint: { call?: { events: string[] } } | undefined;
}

const framesDecoded = (page: Page): Promise<number> =>
  page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const report: RTCStatsReport | undefined = await (globalThis as any).__mobimaint?.call?.stats();
    let frames = 0;
    report?.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded ?? 0;
    });
    return frames;
  }).catch(() => 0); // the page is navigating

async function signIn(page: Page, base: string, username: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", "P");
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

const pct = (s: number[], q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];

export async function acceptBench(calls: number, out: string): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-accept-" });
  const server = await startServerProcess({
    MOBIMAINT_DATA_DIR: dataDir,
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
  });
  const browser = await launchChromium();
  const samples: number[] = [];
  const failures: string[] = [];
  try {
    const permissions = ["camera", "microphone"];
    const tech = await (await browser.newContext({ viewport: { width: 390, height: 844 }, permissions }))
      .newPage();
    const expert = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions }))
      .newPage();
    const base = server.url;
    await signIn(tech, base, "user1");
    await signIn(expert, base, "user2");
    for (let i = 0; samples.length < calls && i < calls * 2; i++) {
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor({ timeout: 15_000 });
      await tech.click('button[aria-label="Call user2"]');
      const accept = expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" });
      await accept.waitFor();
      const t0 = performance.now();
      await accept.click();
      for (;;) {
        const [a, b] = await Promise.all([framesDecoded(tech), framesDecoded(expert)]);
        if (a > 0 && b > 0) break;
        if (performance.now() - t0 > 20_000) break;
        await sleep(10);
      }
      const ms = Math.round(performance.now() - t0);
      if (ms > 20_000) {
        // Counted, not hidden: what the pages said, then both start again from home.
        const said = (pg: Page) =>
          pg.evaluate(() => (globalThis.__mobimaint?.call as { ended?: { value: unknown } })?.ended?.value);
        failures.push(`call ${i}: no video after 20 s (${await said(tech)} / ${await said(expert)})`);
        console.log(`  ${failures.at(-1)}`);
        await Promise.all([tech.goto(`${base}/`), expert.goto(`${base}/`)]);
        continue;
      }
      if (i > 0) samples.push(ms); // the first call loads the bundles into the cache: warm-up, not counted
      console.log(`  call ${i === 0 ? "warm-up" : i}: ${ms} ms`);
      await tech.click("button:has-text('End call')");
      await Promise.all([tech.waitForURL(`${base}/`), expert.waitForURL(`${base}/`, { timeout: 15_000 })]);
    }
  } finally {
    await browser.close();
    await server.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  const s = [...samples].sort((a, b) => a - b);
  const result = {
    at: new Date().toISOString(),
    what: "Accept click → both pages decode remote video (ms), loopback, Chromium fake devices",
    calls: s.length,
    p50: pct(s, 0.5),
    p95: pct(s, 0.95),
    min: s[0],
    max: s.at(-1),
    samples,
    failures,
  };
  console.log(
    `accept → both see each other: p50 ${result.p50} ms, p95 ${result.p95} ms over ${s.length} calls`,
  );
  await Deno.writeTextFile(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`results written to ${out}`);
}
