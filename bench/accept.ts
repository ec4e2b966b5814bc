/**
 * `deno task bench --accept`: from the Expert's click on *Accept* to both pages decoding the other's
 * video, in real Chromium (fake cameras, loopback) against the server started as its own process,
 * over `--accept-calls` calls (default 20). Each call is placed, rings for `--ring-ms` (default 1.5 s, a
 * quick human answer), then is accepted, timed and ended through the pages as a user does. Times are the
 * pages' own `performance` marks on the machine's one clock, from the click handler of *Accept* to the
 * first frame of the other side's video shown on each page: the `expectedDisplayTime` that
 * requestVideoFrameCallback reports for it. The callback itself runs later when the page's main thread is
 * busy; that figure is reported too (`callbacks`). Prints p50/p95 and the median of each step (room open,
 * camera, joined, peer arrived, connected, frames; each peer connection's own ICE, DTLS and description
 * steps as `pc-*`) and writes bench/results/accept-latest.json.
 */
import type { Page } from "playwright-core";
import { launchChromium } from "../tests/helpers/browser.ts";
import { startServerProcess } from "./server_process.ts";
import { sleep } from "./stats.ts";

declare global {
  var __mobimaint: { call?: { events: string[] } } | undefined;
}

/**
 * Marks the first frame of the other side's video painted on the page as `call:frames`: a
 * requestVideoFrameCallback on the element showing the remote stream (found by a cheap 5 ms check,
 * not a getStats poll, which would load the page it measures).
 */
const watchFrames = (page: Page) =>
  page.evaluate(() => {
    const find = setInterval(() => {
      // deno-lint-ignore no-explicit-any
      const remote = (globalThis as any).__mobimaint?.call?.remoteStream?.value as MediaStream | undefined;
      const video = remote && [...document.querySelectorAll("video")].find((v) => v.srcObject === remote);
      if (!video) return;
      clearInterval(find);
      video.requestVideoFrameCallback((_now, meta) => {
        performance.mark("call:frames");
        // When the compositor shows it (the display frame it is expected on, so up to one frame after this
        // callback); the callback itself runs later when the main thread is busy.
        performance.mark("call:frame-shown", { startTime: meta.expectedDisplayTime });
      });
    }, 5);
  });

/** The page's `call:*` marks as wall-clock times (both pages run on one machine, one clock). */
const marks = (page: Page): Promise<Record<string, number>> =>
  page.evaluate(() =>
    Object.fromEntries(
      performance.getEntriesByType("mark").filter((m) => m.name.startsWith("call:"))
        .map((m) => [m.name.slice(5), performance.timeOrigin + m.startTime]),
    )
  ).catch(() => ({})); // the page is navigating

/**
 * Records each peer connection's own steps (ICE, DTLS, signaling state) as `call:pc-*` marks: every
 * RTCPeerConnection the page makes is watched from its construction (the technician's is made while it
 * rings), so the breakdown shows where the time after Accept goes.
 */
const watchPeerConnections = (page: Page) =>
  page.addInitScript(() => {
    const Native = globalThis.RTCPeerConnection;
    globalThis.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const mark = (what: string) => performance.mark(`call:pc-${what}`);
        this.addEventListener("iceconnectionstatechange", () => mark(`ice-${this.iceConnectionState}`));
        this.addEventListener("signalingstatechange", () => mark(`sdp-${this.signalingState}`));
        this.addEventListener("icegatheringstatechange", () => mark(`gather-${this.iceGatheringState}`));
        const dtls = () => {
          const t = this.getSenders().find((s) => s.transport)?.transport;
          if (!t) return this.connectionState !== "closed" && setTimeout(dtls, 5);
          t.addEventListener("statechange", () => mark(`dtls-${t.state}`));
        };
        dtls();
      }
    };
  });

async function signIn(page: Page, base: string, username: string) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", "P");
  await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
}

const pct = (s: number[], q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];

function medianSteps(calls: Record<string, number>[]): Record<string, number> {
  const names = [...new Set(calls.flatMap((c) => Object.keys(c)))];
  const medians = names.map((n) => {
    const v = calls.map((c) => c[n]).filter((x) => x !== undefined).sort((a, b) => a - b);
    return [n, Math.round(pct(v, 0.5))] as const;
  });
  return Object.fromEntries(medians.sort((a, b) => a[1] - b[1]));
}

export async function acceptBench(calls: number, ringMs: number, out: string): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-bench-accept-" });
  const server = await startServerProcess({
    MOBIMAINT_DATA_DIR: dataDir,
    MOBIMAINT_DEMO: "1",
    MOBIMAINT_ADMIN_PASSWORD: "bench-admin",
  });
  const browser = await launchChromium();
  const samples: number[] = [];
  const heard: number[] = [];
  /**
   * Per counted call: each page's marks from the ring on (ringing, connected, room open, media, joined, peer,
   * frames), ms after Accept (negative: while it rang).
   */
  const breakdown: Record<string, number>[] = [];
  const failures: string[] = [];
  try {
    const permissions = ["camera", "microphone"];
    const tech = await (await browser.newContext({ viewport: { width: 390, height: 844 }, permissions }))
      .newPage();
    const expert = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions }))
      .newPage();
    const base = server.url;
    await Promise.all([watchPeerConnections(tech), watchPeerConnections(expert)]);
    await signIn(tech, base, "user1");
    await signIn(expert, base, "user2");
    for (let i = 0; samples.length < calls && i < calls * 2; i++) {
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor({ timeout: 15_000 });
      // Marks from the call's ring on: the connection is made while it rings, before Accept (negative steps).
      await Promise.all([tech, expert].map((page) => page.evaluate(() => performance.clearMarks())));
      await tech.click('button[aria-label="Call user2"]');
      const accept = expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" });
      await accept.waitFor();
      await sleep(ringMs); // a person takes a moment to answer; the pages get ready meanwhile
      await Promise.all([watchFrames(tech), watchFrames(expert)]);
      const t0 = performance.now();
      await accept.click();
      let seen: Record<string, number>[] = [];
      while (performance.now() - t0 < 20_000) {
        seen = await Promise.all([marks(tech), marks(expert)]);
        if (seen.every((m) => m.frames)) break;
        await sleep(50);
      }
      const [techMarks, expertMarks] = seen;
      if (!techMarks?.frames || !expertMarks?.frames || !expertMarks.accept) {
        // Counted, not hidden: what the pages said, then both start again from home.
        const said = (pg: Page) =>
          pg.evaluate(() => (globalThis.__mobimaint?.call as { ended?: { value: unknown } })?.ended?.value)
            .catch(() => "navigating");
        failures.push(`call ${i}: no video after 20 s (${await said(tech)} / ${await said(expert)})`);
        console.log(`  ${failures.at(-1)}`);
        await Promise.all([tech.goto(`${base}/`), expert.goto(`${base}/`)]);
        continue;
      }
      const from = expertMarks.accept;
      // Seen: shown by the compositor on both pages; heard: both pages' callbacks ran (a busy main thread
      // runs them later than the frame appeared).
      const ms = Math.round(Math.max(techMarks["frame-shown"], expertMarks["frame-shown"]) - from);
      const heardMs = Math.round(Math.max(techMarks.frames, expertMarks.frames) - from);
      const steps: Record<string, number> = {};
      for (const [side, m] of [["expert", expertMarks], ["tech", techMarks]] as const) {
        for (const [name, at] of Object.entries(m)) {
          if (name !== "accept") steps[`${side} ${name}`] = at - from;
        }
      }
      if (i > 0) breakdown.push(steps);
      if (i > 0) samples.push(ms); // the first call loads the bundles into the cache: warm-up, not counted
      if (i > 0) heard.push(heardMs);
      console.log(`  call ${i === 0 ? "warm-up" : i}: ${ms} ms (pages' callbacks ${heardMs} ms)`);
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
    what: "Accept click → both pages show the other's video (ms), loopback, Chromium fake devices",
    ringMs,
    calls: s.length,
    p50: pct(s, 0.5),
    p95: pct(s, 0.95),
    callbacks: (() => {
      const h = [...heard].sort((a, b) => a - b);
      return {
        what: "the same, to both pages' requestVideoFrameCallback running",
        p50: pct(h, 0.5),
        p95: pct(h, 0.95),
      };
    })(),
    min: s[0],
    max: s.at(-1),
    steps: medianSteps(breakdown),
    samples,
    failures,
  };
  console.log(
    `accept → both see each other: p50 ${result.p50} ms, p95 ${result.p95} ms over ${s.length} calls ` +
      `(pages' callbacks: p50 ${result.callbacks.p50} ms, p95 ${result.callbacks.p95} ms)`,
  );
  console.log("median ms after Accept:", JSON.stringify(result.steps));
  await Deno.writeTextFile(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`results written to ${out}`);
}
