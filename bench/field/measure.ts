/** What the field benchmark reads from two live call pages (getStats and the pages' own clocks). */
import type { Page } from "playwright-core";
import { callState, framesDecoded } from "../../tests/helpers/call_pages.ts";
import { inboundAudio, inboundVideo } from "../../tests/helpers/field.ts";
import { sleep, summarize } from "../stats.ts";

export interface Steady {
  width: number;
  height: number;
  fps: number;
  freezes: number;
  freezeMs: number;
  codec?: string;
}

/** The expert's inbound video over the last `windowMs` of `seconds`: resolution now, frame rate and freezes. */
export async function steadyState(page: Page, seconds: number, windowMs = 5000): Promise<Steady> {
  await sleep(Math.max(0, seconds * 1000 - windowMs));
  const a = await inboundVideo(page);
  const t0 = Date.now();
  await sleep(windowMs);
  const b = await inboundVideo(page);
  if (!a || !b) return { width: 0, height: 0, fps: 0, freezes: 0, freezeMs: 0 };
  return {
    width: b.width,
    height: b.height,
    fps: Math.round(((b.framesDecoded - a.framesDecoded) * 10_000) / (Date.now() - t0)) / 10,
    freezes: b.freezeCount - a.freezeCount,
    freezeMs: Math.round((b.totalFreezesDuration - a.totalFreezesDuration) * 1000),
    codec: b.codec,
  };
}

/** Audio received by `page` while `during` runs: concealed (made-up) share of samples, and events. */
export async function audioContinuity<T>(page: Page, during: () => Promise<T>) {
  const a = await inboundAudio(page);
  const result = await during();
  const b = await inboundAudio(page);
  const total = (b?.totalSamplesReceived ?? 0) - (a?.totalSamplesReceived ?? 0);
  const concealed = (b?.concealedSamples ?? 0) - (a?.concealedSamples ?? 0) -
    ((b?.silentConcealedSamples ?? 0) - (a?.silentConcealedSamples ?? 0));
  return {
    result,
    audio: {
      receivedSamples: total,
      concealedPct: total > 0 ? Math.round((concealed / total) * 1000) / 10 : 100,
      concealmentEvents: (b?.concealmentEvents ?? 0) - (a?.concealmentEvents ?? 0),
    },
  };
}

/**
 * Pins per run: with the benchmarks' percentile (the sample at ⌊0.95·n⌋), 20 made the p95 the slowest
 * pin of the run; with 40 it is the second slowest.
 */
export const ANNOTATIONS_PER_RUN = 40;

/**
 * The expert drops `count` pins through the call's board (the same path as a tap on the picture),
 * one every `gapMs`; the technician's page notes when each appears. Delivery times in ms, each kept.
 */
export async function annotationDelivery(expert: Page, tech: Page, count = ANNOTATIONS_PER_RUN, gapMs = 250) {
  await callState(
    tech,
    `(globalThis.__seen = {}, m.call.board.annotations.subscribe((list) => {
      for (const a of list) globalThis.__seen[a.id] ??= Date.now();
    }), true)`,
  );
  const tag = crypto.randomUUID().slice(0, 8);
  const sent: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const id = `bench-${tag}-${i}`;
    sent[id] = await callState(
      expert,
      `(() => {
        const at = Date.now();
        m.call.board.addAnnotation({ id: "${id}", from: m.call.me.userId, kind: "pin", x: ${
        (i + 1) / (count + 2)
      },
          y: 0.5, color: "#ff3b30", text: "${i}" });
        return at;
      })()`,
    );
    await sleep(gapMs);
  }
  const deadline = Date.now() + 10_000;
  let seen: Record<string, number> = {};
  while (Date.now() < deadline) {
    seen = await tech.evaluate("globalThis.__seen") as Record<string, number>;
    if (Object.keys(sent).every((id) => seen[id])) break;
    await sleep(100);
  }
  const delays = Object.keys(sent).filter((id) => seen[id]).map((id) => seen[id] - sent[id]).sort((a, b) =>
    a - b
  );
  const p95 = delays.length ? delays[Math.min(delays.length - 1, Math.floor(0.95 * delays.length))] : NaN;
  return {
    sent: count,
    delivered: delays.length,
    p50: summarize(delays).p50,
    p95,
    max: delays.at(-1) ?? NaN,
    delaysMs: delays,
  };
}

/**
 * Ms from `since` until frames advance again on every page (two increases in a row, polled every
 * 50 ms). Unless `stalledAlready`, a page must first stop (300 ms without a frame: frames still in
 * flight at `since` do not count as recovered); a page that never stops within 5 s counts as 0.
 */
export async function flowingAgain(
  pages: Page[],
  since: number,
  stalledAlready: boolean,
  timeoutMs = 30_000,
): Promise<number | null> {
  const times = await Promise.all(pages.map(async (page) => {
    let last = await framesDecoded(page);
    let lastIncrease = Date.now();
    let stalled = stalledAlready;
    let rising = 0;
    while (Date.now() - since < timeoutMs) {
      await sleep(50);
      const now = await framesDecoded(page);
      if (now > last) lastIncrease = Date.now();
      if (!stalled && Date.now() - lastIncrease >= 300) stalled = true;
      if (!stalled && Date.now() - since > 5000) return 0;
      rising = stalled && now > last ? rising + 1 : 0;
      last = now;
      if (rising >= 2) return Date.now() - since;
    }
    return null;
  }));
  return times.some((t) => t === null) ? null : Math.max(...(times as number[]));
}

/**
 * The technician's send-side bandwidth estimate (availableOutgoingBitrate of the selected pair, kbit/s) once a
 * second while `during` runs: what the camera's resolution steps decide on (lib/client/sender_policy.ts).
 */
export async function outgoingEstimate<T>(tech: Page, during: () => Promise<T>) {
  const samples: number[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      const kbps = await callState(
        tech,
        `m?.call.stats().then((report) => {
          let kbps = null;
          report?.forEach((r) => {
            if (r.type === "transport" && r.selectedCandidatePairId) {
              const pair = report.get(r.selectedCandidatePairId);
              if (pair?.availableOutgoingBitrate) kbps = Math.round(pair.availableOutgoingBitrate / 1000);
            }
          });
          return kbps;
        })`,
      ).catch(() => null);
      if (typeof kbps === "number") samples.push(kbps);
      await sleep(1000);
    }
  })();
  const result = await during();
  running = false;
  await sampling;
  const late = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
  const estimate = late.length
    ? { min: late[0], median: late[Math.floor(late.length / 2)], max: late.at(-1)! }
    : null;
  return { result, estimate };
}
