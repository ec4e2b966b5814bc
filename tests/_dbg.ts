import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "./helpers/browser.ts";
import { callState, firstFrameAt, openCallPages } from "./helpers/call_pages.ts";
import { startCoturn } from "./helpers/coturn.ts";
import { startTestServer } from "./helpers/server.ts";
const coturn = await startCoturn();
const server = await startTestServer({
  MOBIMAINT_TURN_URLS: coturn.urls.udp,
  MOBIMAINT_TURN_SECRET: coturn.secret,
  MOBIMAINT_ICE_TRANSPORT_POLICY: Deno.args[0] ?? "relay",
});
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...CHROMIUM_FLAGS, ...coturn.chromiumArgs],
});
for (let i = 0; i < 2; i++) {
  const pages = await openCallPages(browser, server.url);
  const [a, b] = await Promise.all([firstFrameAt(pages.tech), firstFrameAt(pages.expert)]);
  const base = pages.acceptedAt % 100000;
  console.log("tech first", a - pages.acceptedAt, "expert first", b - pages.acceptedAt);
  for (const [who, p] of [["tech", pages.tech], ["expert", pages.expert]] as const) {
    const ev: string[] = await callState(p, "m.call.events");
    const nav = await p.evaluate("performance.timeOrigin") as number;
    console.log(
      who,
      "page origin +",
      Math.round(nav - pages.acceptedAt),
      ev.filter((e) => !e.includes("ice-cand")).map((e) => {
        const [t, ...r] = e.split(" ");
        return `${Number(t) - base}:${r.join(" ")}`;
      }).join(" | "),
    );
  }
  await pages.close();
}
await browser.close();
await server.close();
await coturn.stop();
