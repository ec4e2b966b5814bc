/**
 * A call on the synthetic feed: a MobiMaint server process, Chromium playing the feed as its camera, the
 * technician (user1) calling the expert (user2) who accepts, both pages in the call room. Used by the
 * tracking bench, its screenshots and the turned-phone test.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "../../tests/helpers/browser.ts";
import { type ServerProcess, startServerProcess } from "../server_process.ts";
import { login } from "./browser_pages.ts";
import { type GroundTruth, writeFeed } from "./make_feed.ts";

/** The synthetic feed as Chromium plays it (.y4m) and its ground truth (.json), made when missing. */
export const FEED = "test-output/tracking/feed";

export async function ensureFeed(): Promise<GroundTruth> {
  try {
    await Deno.stat(`${FEED}.y4m`);
    return JSON.parse(await Deno.readTextFile(`${FEED}.json`));
  } catch {
    return await writeFeed(FEED, 640, 360);
  }
}

type Viewport = { width: number; height: number };

export interface FeedCall {
  server: ServerProcess;
  browser: Browser;
  tech: Page;
  expert: Page;
  close(): Promise<void>;
}

export async function openFeedCall(opts: {
  tech: Viewport & { mobile?: boolean };
  expert: Viewport;
  /** Runs in the technician's page before its scripts (e.g. to stand in for its camera). */
  techInit?: string;
  /** Where the pages' errors and warnings go. */
  log?: (line: string) => void;
}): Promise<FeedCall> {
  await ensureFeed();
  const server = await startServerProcess({
    MOBIMAINT_DATA_DIR: await Deno.makeTempDir({ prefix: "mobimaint-feed-" }),
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: "feed-admin",
    // Both pages leave home for the call room; on a loaded machine that can take longer than the 2 s grace.
    MOBIMAINT_GRACE_MS: "15000",
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--use-file-for-fake-video-capture=${Deno.cwd()}/${FEED}.y4m`],
  });
  const close = async () => {
    await browser.close();
    await server.stop();
  };
  try {
    const permissions = ["camera", "microphone"];
    const { mobile, ...techViewport } = opts.tech;
    const techContext = await browser.newContext({
      viewport: techViewport,
      permissions,
      ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    if (opts.techInit) await techContext.addInitScript(opts.techInit);
    const tech = await techContext.newPage();
    const expert = await (await browser.newContext({ viewport: opts.expert, permissions })).newPage();
    for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
      page.on("pageerror", (e) => opts.log?.(`[${who} pageerror] ${e.message}`));
      page.on("console", (m) => m.type() !== "log" && opts.log?.(`[${who} ${m.type()}] ${m.text()}`));
    }
    await login(tech, server.url, "user1", "P");
    await login(expert, server.url, "user2", "P");
    await expert.locator('[data-testid="availability"][data-availability="available"]').waitFor();
    await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
    await tech.click('button[aria-label="Call user2"]');
    await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
    await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);
    return { server, browser, tech, expert, close };
  } catch (e) {
    await close();
    throw e;
  }
}
