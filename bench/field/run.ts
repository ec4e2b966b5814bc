/**
 * One field run: a MobiMaint server process, two Chromium pages calling through the real UI, the
 * technician behind an emulated link (its TURN traffic through a UDP or TCP link, its HTTP and
 * signaling through a TCP link; DevTools emulation when the call is direct), and what the pages saw.
 */
import type { Browser, Page } from "playwright-core";
import {
  callState,
  connectedAt,
  firstFrameAt,
  openCallPages,
  roomOpenAt,
  selectedPair,
} from "../../tests/helpers/call_pages.ts";
import type { Coturn } from "../../tests/helpers/coturn.ts";
import { routeTurnThrough } from "../../tests/helpers/field.ts";
import type { LinkConditions } from "../../tests/helpers/link/shaper.ts";
import { TcpLink } from "../../tests/helpers/link/tcp_link.ts";
import { UdpLink } from "../../tests/helpers/link/udp_link.ts";
import { devtoolsConditions, type Transport } from "./cases.ts";
import { type FieldSwitch, SWITCH_DRAWINGS } from "./readme_table.ts";
import {
  annotationDelivery,
  audioContinuity,
  flowingAgain,
  outgoingEstimate,
  steadyState,
} from "./measure.ts";
import { sleep } from "../stats.ts";

export interface FieldCall {
  tech: Page;
  expert: Page;
  acceptedAt: number;
  /** The technician's media link (absent for direct calls). */
  media?: UdpLink | TcpLink;
  /** The technician's HTTP and signaling link (absent for direct calls). */
  signaling?: TcpLink;
  close(): Promise<void>;
}

/** Opens a call with the technician behind `conditions` over `transport`. */
export async function openFieldCall(
  browser: Browser,
  serverUrl: string,
  coturn: Coturn,
  transport: Transport,
  conditions: Partial<LinkConditions>,
): Promise<FieldCall> {
  const settings = { up: conditions, down: conditions };
  let media: UdpLink | TcpLink | undefined;
  let signaling: TcpLink | undefined;
  let techBase: string | undefined;
  let turnPort = 0;
  if (transport !== "direct") {
    turnPort = transport === "tls" ? coturn.tlsPort : coturn.port;
    const target = { host: "127.0.0.1", port: turnPort };
    media = transport === "udp"
      ? await UdpLink.start(target, settings)
      : await TcpLink.start(target, settings);
    const server = new URL(serverUrl);
    signaling = await TcpLink.start({ host: server.hostname, port: Number(server.port) }, settings);
    techBase = `http://127.0.0.1:${signaling.port}`;
  }
  const limited = Object.values(conditions).some((v) => v);
  const pages = await openCallPages(browser, serverUrl, {
    techBase,
    // As in `bench --accept`: the expert answers after 1.5 s of ringing, while the call gets ready.
    ringMs: 1500,
    beforeCall: async (tech) => {
      if (media) return await routeTurnThrough(tech.context(), `:${turnPort}`, `:${media.port}`);
      if (!limited) return;
      const cdp = await tech.context().newCDPSession(tech);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", devtoolsConditions(conditions));
    },
  });
  return {
    tech: pages.tech,
    expert: pages.expert,
    acceptedAt: pages.acceptedAt,
    media,
    signaling,
    close: async () => {
      // End the call as a user would: otherwise both stay "in a call" for the grace period.
      await pages.tech.click("button:has-text('End call')", { timeout: 5000 }).catch(() => {});
      await pages.tech.waitForURL(/\/$/, { timeout: 5000 }).catch(() => {});
      // Each step time-boxed: one that hangs is reported, and the benchmark goes on with the next run.
      await bounded("closing the pages", pages.close());
      await bounded("closing the media link", media?.close());
      await bounded("closing the signaling link", signaling?.close());
    },
  };
}

export async function measureRun(call: FieldCall, steadySeconds: number) {
  const { tech, expert, acceptedAt } = call;
  const [techFrame, expertFrame] = await Promise.all([
    firstFrameAt(tech, 30_000).catch(() => NaN),
    firstFrameAt(expert, 30_000).catch(() => NaN),
  ]);
  if (Number.isNaN(techFrame) || Number.isNaN(expertFrame)) {
    const state = (page: Page) =>
      callState(
        page,
        `JSON.stringify({ url: location.pathname, peer: m?.call.peerState.value, signaling: m?.call.signaling.value,
          events: m?.call.events.filter((e) => e !== "ice-candidate").slice(-30) })`,
      ).catch((e) => String(e));
    throw new Error(`no first frame in 30 s: tech ${await state(tech)} expert ${await state(expert)}`);
  }
  const [techRoom, expertRoom] = await Promise.all([roomOpenAt(tech), roomOpenAt(expert)]);
  const [techConnected, expertConnected] = await Promise.all([connectedAt(tech), connectedAt(expert)]);
  const firstFrame = {
    techMs: techFrame - acceptedAt,
    expertMs: expertFrame - acceptedAt,
    bothMs: Math.max(techFrame, expertFrame) - acceptedAt,
    // Of which: the call room open on both pages (in place, on the home page's connection), then media (the
    // later page's share).
    pagesJoinedMs: Math.max(techRoom, expertRoom) - acceptedAt,
    mediaMs: Math.max(techFrame - techRoom, expertFrame - expertRoom),
    // ICE and DTLS done on both pages, after Accept: negative when the call connected while it rang.
    connectedMs: Math.max(techConnected ?? NaN, expertConnected ?? NaN) - acceptedAt,
  };
  const pair = await selectedPair(tech);
  const { result: { result: steady, audio }, estimate } = await outgoingEstimate(
    tech,
    () => audioContinuity(expert, () => steadyState(expert, steadySeconds)),
  );
  const rttMs = await callState(tech, "m.call.quality.value?.rttMs ?? null");
  const annotations = await annotationDelivery(expert, tech);
  // The technician's send-side estimate over the second half of the steady state (kbit/s).
  return { firstFrame, pair: pair?.local, steady, audio, rttMs, annotations, techEstimateKbps: estimate };
}

/** Network switches on one call, in turn: a 3 s black hole, a NAT rebinding, a TURN server restart. */
export async function measureSwitches(call: FieldCall, coturn: Coturn) {
  const { tech, expert } = call;
  const pages = [tech, expert];
  await Promise.all([firstFrameAt(tech, 30_000), firstFrameAt(expert, 30_000)]);
  await tech.fill("#chat-input", "before the switch");
  await tech.press("#chat-input", "Enter");
  await annotationDelivery(expert, tech, SWITCH_DRAWINGS, 100);
  const results: FieldSwitch[] = [];
  const record = async (name: string, recoveryMs: number | null) => {
    const events: string[] = [
      ...await callState(tech, "m.call.events"),
      ...await callState(expert, "m.call.events"),
    ];
    results.push({
      case: name,
      recoveryMs,
      userLeft: events.includes("user-left"),
      annotationsOnTech: await callState(tech, "m.call.board.annotations.value.length"),
      chatIntact:
        await expert.locator('[data-testid="chat-log"] li', { hasText: "before the switch" }).count() === 1,
      iceRestarts: (await callState(tech, "m.call.counters")).iceRestarts +
        (await callState(expert, "m.call.counters")).iceRestarts,
    });
    if (Deno.env.get("FIELD_DEBUG")) {
      for (const p of pages) {
        const ev: string[] = await callState(p, "m.call.events");
        console.log(
          p === tech ? "TECH" : "EXPERT",
          ev.filter((e) => !e.includes("ice-candidate")).slice(-25).join(" | "),
        );
      }
    }
    await sleep(5000);
  };
  await sleep(3000);

  // Black hole: everything the technician sends or receives vanishes for 3 s, then the path is back.
  call.media!.blackhole(true);
  call.signaling!.blackhole(true);
  await sleep(3000);
  call.media!.blackhole(false);
  call.signaling!.blackhole(false);
  if (Deno.env.get("FIELD_DEBUG")) console.log("restored at", Date.now() % 100000);
  await record("path black-holed 3 s", await flowingAgain(pages, Date.now(), true));

  // Rebinding: the technician's traffic continues from new ports (UDP) / new connections (TCP).
  const rebound = Date.now();
  await call.media!.rebind();
  call.signaling!.rebind();
  await record("port rebinding", await flowingAgain(pages, rebound, false));

  // TURN restart: every allocation is gone; timed from the moment coturn answers again.
  await coturn.restart();
  await record("TURN server restarted", await flowingAgain(pages, Date.now(), false));
  return results;
}

const CLOSE_STEP_MS = 20_000;

async function bounded(step: string, done: Promise<void> | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`   ${step} took over ${CLOSE_STEP_MS / 1000} s; going on`);
      resolve();
    }, CLOSE_STEP_MS);
  });
  await Promise.race([done, late]);
  clearTimeout(timer);
}
