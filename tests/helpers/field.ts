/**
 * Field conditions for call pages: one page's TURN traffic through a link emulator (its
 * /api/ice-servers answer rewritten to point at the link, the way that page's own network would sit in
 * front of the TURN server), and what the pages' peer connections report.
 */
import type { BrowserContext, Page } from "playwright-core";
import { callState } from "./call_pages.ts";

/** Makes the pages of `ctx` reach TURN at `to` (host:port) instead of `from`. */
export async function routeTurnThrough(ctx: BrowserContext, from: string, to: string): Promise<void> {
  await ctx.route("**/api/ice-servers", async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    for (const server of body.iceServers ?? []) {
      const urls: string[] = [server.urls].flat();
      server.urls = urls.map((u) => u.replace(from, to));
    }
    await route.fulfill({ response, json: body });
  });
}

/** The page's senders' parameters: degradation preference of the video, priorities of the audio. */
export function senderPolicy(
  page: Page,
): Promise<{ video?: string; audio?: string[]; audioMaxBitrate?: (number | undefined)[] }> {
  return callState(
    page,
    `(() => {
      const pc = m.call.session?.pc;
      const out = {};
      for (const t of pc?.getTransceivers() ?? []) {
        const p = t.sender.getParameters();
        if (t.receiver.track.kind === "video") out.video = p.degradationPreference;
        else {
          out.audio = (p.encodings ?? []).map((e) => e.priority + "/" + e.networkPriority);
          out.audioMaxBitrate = (p.encodings ?? []).map((e) => e.maxBitrate);
        }
      }
      return out;
    })()`,
  );
}

/**
 * The audio format each side asked to receive in the negotiated descriptions (the first payload type of
 * the audio m-line, by name): "red" when audio carries redundancy. `local` is what this page receives.
 */
export function audioFormats(page: Page): Promise<{ local?: string; remote?: string }> {
  return callState(
    page,
    `(() => {
      const pc = m.call.session?.pc;
      const first = (sdp) => {
        const pt = /^m=audio \\S+ \\S+ (\\d+)/m.exec(sdp ?? "")?.[1];
        return pt && new RegExp("^a=rtpmap:" + pt + " ([^/]+)/", "m").exec(sdp)?.[1]?.toLowerCase();
      };
      return { local: first(pc?.currentLocalDescription?.sdp), remote: first(pc?.currentRemoteDescription?.sdp) };
    })()`,
  );
}

export interface InboundVideo {
  width: number;
  height: number;
  fps: number;
  framesDecoded: number;
  freezeCount: number;
  totalFreezesDuration: number;
  /** The codec's MIME type, e.g. "video/VP9". */
  codec?: string;
}

/** The page's inbound video right now (getStats). */
export function inboundVideo(page: Page): Promise<InboundVideo | null> {
  return callState(
    page,
    `m?.call.stats().then((report) => {
      let v = null;
      report?.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") {
          v = { width: r.frameWidth ?? 0, height: r.frameHeight ?? 0, fps: r.framesPerSecond ?? 0,
            framesDecoded: r.framesDecoded ?? 0, freezeCount: r.freezeCount ?? 0,
            totalFreezesDuration: r.totalFreezesDuration ?? 0, codec: report.get(r.codecId)?.mimeType };
        }
      });
      return v;
    })`,
  );
}

/** The page's inbound audio: samples received and concealed (a dropout shows as concealment). */
export function inboundAudio(
  page: Page,
): Promise<
  {
    totalSamplesReceived: number;
    concealedSamples: number;
    silentConcealedSamples: number;
    concealmentEvents: number;
  } | null
> {
  return callState(
    page,
    `m?.call.stats().then((report) => {
      let a = null;
      report?.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") {
          a = { totalSamplesReceived: r.totalSamplesReceived ?? 0, concealedSamples: r.concealedSamples ?? 0,
            silentConcealedSamples: r.silentConcealedSamples ?? 0, concealmentEvents: r.concealmentEvents ?? 0 };
        }
      });
      return a;
    })`,
  );
}
