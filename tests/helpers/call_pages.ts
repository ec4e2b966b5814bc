/**
 * Two real call pages in Chromium (the technician on a phone, the expert on a desktop) driven through
 * the real UI: sign in, call, accept; plus readers of the call page's state. Used by the browser tests,
 * the TURN tests and the field benchmark. Each page records (with an init script, every 20 ms) when its
 * first remote video frame was decoded.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

export interface CallPages {
  tech: Page;
  expert: Page;
  techCtx: BrowserContext;
  expertCtx: BrowserContext;
  callId: string;
  /** Date.now() just before the expert clicked Accept. */
  acceptedAt: number;
  close(): Promise<void>;
}

export async function login(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 50,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Evaluates `expr` with `m` bound to the call page's test hook (`window.__mobimaint`). */
// deno-lint-ignore no-explicit-any
export const callState = (page: Page, expr: string): Promise<any> =>
  page.evaluate(`(() => { const m = globalThis.__mobimaint; return ${expr}; })()`);

/**
 * Records `__roomOpenAt` (Date.now()) when the call room is open with its peer connection (a connection made
 * while the call rang is taken over by the room: this is the room opening, not the connection),
 * `__connectedAt` when the page's first peer connection is connected (ICE and DTLS done; while it rings,
 * for a call answered on a connection made meanwhile) and `__firstFrameAt` when the call's connection
 * decodes its first remote frame.
 */
const FIRST_FRAME_WATCH = `(() => {
  const Native = globalThis.RTCPeerConnection;
  if (Native) {
    globalThis.RTCPeerConnection = class extends Native {
      constructor(config) {
        super(config);
        this.addEventListener("connectionstatechange", () => {
          if (this.connectionState === "connected") globalThis.__connectedAt ??= Date.now();
        });
      }
    };
  }
  // Every page: the call room may open in place of the home page (no navigation to /call/).
  const timer = setInterval(async () => {
    const call = globalThis.__mobimaint?.call;
    if (call && call.peerState.value !== "waiting") globalThis.__roomOpenAt ??= Date.now();
    const report = await call?.stats();
    report?.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video" && r.framesDecoded > 0 && !globalThis.__firstFrameAt) {
        globalThis.__firstFrameAt = Date.now();
        clearInterval(timer);
      }
    });
  }, 20);
})()`;

/**
 * Signs in user1 (technician) and user2 (expert) in two contexts of `browser`; the technician calls and
 * the expert accepts. `beforeCall` runs on both pages before the call (e.g. network emulation, which
 * must be on before the peer connection exists).
 */
export async function openCallPages(
  browser: Browser,
  base: string,
  opts: {
    beforeCall?: (tech: Page, expert: Page) => Promise<void>;
    log?: boolean;
    /** Where the technician reaches the server (e.g. through a link emulator); default `base`. */
    techBase?: string;
    /** How long it rings before the expert clicks Accept (a person takes a moment; the call warms up). */
    ringMs?: number;
  } = {},
): Promise<CallPages> {
  const permissions = ["camera", "microphone"];
  const techCtx = await browser.newContext({ viewport: PHONE, permissions, hasTouch: true });
  const expertCtx = await browser.newContext({ viewport: DESKTOP, permissions });
  const close = async () => {
    await techCtx.close().catch(() => {});
    await expertCtx.close().catch(() => {});
  };
  try {
    await techCtx.addInitScript(FIRST_FRAME_WATCH);
    await expertCtx.addInitScript(FIRST_FRAME_WATCH);
    const tech = await techCtx.newPage();
    const expert = await expertCtx.newPage();
    for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
      page.setDefaultTimeout(15_000);
      page.on("pageerror", (e) => console.error(`[${who} pageerror]`, e.message));
      if (opts.log) page.on("console", (m) => console.log(`[${who} ${m.type()}]`, m.text()));
    }
    await login(expert, base, "user2", "P");
    await expert.locator('[data-testid="availability"][data-availability="available"]').waitFor();
    await login(tech, opts.techBase ?? base, "user1", "P");
    await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
    await opts.beforeCall?.(tech, expert);
    await tech.click('button[aria-label="Call user2"]');
    await expert.locator('[data-testid="incoming-call"]').waitFor();
    if (opts.ringMs) await new Promise((r) => setTimeout(r, opts.ringMs));
    const acceptedAt = Date.now();
    await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
    await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);
    const callId = decodeURIComponent(new URL(tech.url()).pathname.split("/").pop()!);
    return { tech, expert, techCtx, expertCtx, callId, acceptedAt, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** When (Date.now()) the page decoded its first remote frame; waits up to `timeoutMs`. */
export async function firstFrameAt(page: Page, timeoutMs = 15_000): Promise<number> {
  await waitFor(
    "a remote frame",
    async () => !!(await page.evaluate("globalThis.__firstFrameAt")),
    timeoutMs,
    50,
  );
  return await page.evaluate("globalThis.__firstFrameAt") as number;
}

/** When (Date.now()) the page's first peer connection was connected, maybe while it rang (after firstFrameAt resolved). */
export function connectedAt(page: Page): Promise<number | undefined> {
  return page.evaluate("globalThis.__connectedAt") as Promise<number | undefined>;
}

/** When (Date.now()) the page's call room was open with its peer connection (after firstFrameAt resolved). */
export function roomOpenAt(page: Page): Promise<number> {
  return page.evaluate("globalThis.__roomOpenAt") as Promise<number>;
}

/** The sum of `field` over the call page's inbound streams of `kind` (getStats). */
export function inboundTotal(
  page: Page,
  kind: "audio" | "video",
  field: "framesDecoded" | "packetsReceived",
): Promise<number> {
  return callState(
    page,
    `m?.call.stats().then((report) => {
      let n = 0;
      report?.forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "${kind}") n += r.${field} ?? 0; });
      return n;
    })`,
  );
}

/** Frames decoded by the call page's peer connection (inbound video). */
export function framesDecoded(page: Page): Promise<number> {
  return inboundTotal(page, "video", "framesDecoded");
}

/** True when the inbound total (`inboundTotal`) grows within `ms`. */
async function advancing(
  page: Page,
  kind: "audio" | "video",
  field: "framesDecoded" | "packetsReceived",
  ms: number,
): Promise<boolean> {
  const before = await inboundTotal(page, kind, field);
  await new Promise((r) => setTimeout(r, ms));
  return (await inboundTotal(page, kind, field)) > before;
}

/** True when the page's remote video is decoding right now (frames advance within `ms`). */
export function videoFlowing(page: Page, ms = 500): Promise<boolean> {
  return advancing(page, "video", "framesDecoded", ms);
}

/** True when the page receives the other side's sound right now (audio packets arrive within `ms`). */
export function audioArriving(page: Page, ms = 500): Promise<boolean> {
  return advancing(page, "audio", "packetsReceived", ms);
}

export interface SelectedPair {
  local: { candidateType: string; relayProtocol?: string; protocol: string };
  remote: { candidateType: string; protocol: string };
}

/** The candidate pair the page's transport uses now (getStats). */
export function selectedPair(page: Page): Promise<SelectedPair | null> {
  return callState(
    page,
    `m?.call.stats().then((report) => {
      if (!report) return null;
      let pairId;
      report.forEach((r) => { if (r.type === "transport" && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId; });
      const pair = pairId && report.get(pairId);
      if (!pair) return null;
      const pick = (c, extra) => c && { candidateType: c.candidateType, protocol: c.protocol, ...extra(c) };
      return {
        local: pick(report.get(pair.localCandidateId), (c) => ({ relayProtocol: c.relayProtocol })),
        remote: pick(report.get(pair.remoteCandidateId), () => ({})),
      };
    })`,
  );
}

/** user1 (phone) calls user2 (desktop), who accepts; resolves once video decodes on both pages. */
export async function openCall(
  browser: Browser,
  base: string,
): Promise<Omit<CallPages, "acceptedAt" | "close">> {
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
