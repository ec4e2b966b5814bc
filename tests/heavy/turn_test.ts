/**
 * Calls through a real coturn in real Chromium, relay only (MOBIMAINT_ICE_TRANSPORT_POLICY=relay):
 * over UDP, TCP and TLS, getStats shows a relay pair of that protocol; with UDP and TCP unreachable the
 * browser falls back to `turns:`. Skipped (never passed) without Chromium or coturn.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH, hasChromium } from "../helpers/browser.ts";
import {
  callState,
  firstFrameAt,
  openCallPages,
  type SelectedPair,
  selectedPair,
} from "../helpers/call_pages.ts";
import { freePort, hasCoturn, startCoturn } from "../helpers/coturn.ts";
import { startTestServer } from "../helpers/server.ts";

Deno.test({
  name: "TURN: relay-only calls over UDP, TCP and TLS through coturn; fallback to turns:",
  ignore: !hasChromium || !hasCoturn,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const coturn = await startCoturn();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, ...coturn.chromiumArgs],
  });
  const dead = await freePort(); // nothing listens here: TURN over it never answers
  const cases = [
    { name: "UDP", urls: [coturn.urls.udp], want: "udp" },
    { name: "TCP", urls: [coturn.urls.tcp], want: "tcp" },
    { name: "TLS", urls: [coturn.urls.tls], want: "tls" },
    {
      name: "UDP and TCP blocked, falls back to TLS",
      urls: [coturn.urls.tls, `turn:127.0.0.1:${dead}?transport=udp`, `turn:127.0.0.1:${dead}?transport=tcp`],
      want: "tls",
    },
  ];
  try {
    for (const c of cases) {
      await t.step(`${c.name}: video both ways over a ${c.want} relay pair`, async () => {
        const server = await startTestServer({
          MOBIMAINT_TURN_URLS: c.urls.join(","),
          MOBIMAINT_TURN_SECRET: coturn.secret,
          MOBIMAINT_ICE_TRANSPORT_POLICY: "relay",
        });
        const pages = await openCallPages(browser, server.url);
        try {
          const [a, b] = await Promise.all([firstFrameAt(pages.tech), firstFrameAt(pages.expert)]);
          console.log(`  first remote frame ${Math.max(a, b) - pages.acceptedAt} ms after accept`);
          for (const page of [pages.tech, pages.expert]) {
            // Both cameras (1280×720) start at the first resolution step, 360p: a first keyframe the young
            // connection's bandwidth estimate carries at once (`deno task bench --accept`).
            const events: string[] = await callState(page, "m.call.events");
            assert.ok(events.includes("(video scaled down by 2)"), events.join());
            const pair: SelectedPair | null = await selectedPair(page);
            assert.ok(pair, "a selected candidate pair");
            assert.equal(pair.local.candidateType, "relay", JSON.stringify(pair));
            assert.equal(pair.local.relayProtocol, c.want, JSON.stringify(pair));
            assert.equal(pair.remote.candidateType, "relay", JSON.stringify(pair));
          }
        } finally {
          await pages.close();
          await server.close();
        }
      });
    }
  } finally {
    await browser.close();
    await coturn.stop();
  }
});
