/**
 * Connection quality from `RTCPeerConnection.getStats()`: round trip, packet loss, received bitrate,
 * and what limits the call when it is not good: the bandwidth (little is estimated to get through, or
 * little video arrives), loss, the round trip, or nothing arriving at all. A remote camera that is off is not a problem of the connection.
 */

export interface StatsSample {
  at: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
  rttMs?: number;
  /** The congestion controller's estimate of what we can send, kbps (selected candidate pair). */
  availableOutgoingKbps?: number;
}

export type QualityLevel = "good" | "fair" | "poor" | "unknown";
export type QualityLimit = "bandwidth" | "loss" | "round-trip" | "no-media";

export interface Quality {
  level: QualityLevel;
  rttMs?: number;
  lossPct: number;
  kbps: number;
  framesDecoded: number;
  /** What makes the call less than good (absent when it is good or unknown). */
  limit?: QualityLimit;
}

export const LIMIT_WORDS: Record<QualityLimit, string> = {
  "bandwidth": "low bandwidth",
  "loss": "packet loss",
  "round-trip": "long round trip",
  "no-media": "nothing arriving",
};

export function sampleStats(report: RTCStatsReport, at = Date.now()): StatsSample {
  const s: StatsSample = { at, bytesReceived: 0, packetsReceived: 0, packetsLost: 0, framesDecoded: 0 };
  report.forEach((r) => {
    if (r.type === "inbound-rtp") {
      s.bytesReceived += r.bytesReceived ?? 0;
      s.packetsReceived += r.packetsReceived ?? 0;
      s.packetsLost += Math.max(0, r.packetsLost ?? 0);
      if (r.kind === "video") s.framesDecoded += r.framesDecoded ?? 0;
    } else if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") {
      if (typeof r.currentRoundTripTime === "number") s.rttMs = Math.round(r.currentRoundTripTime * 1000);
      if (typeof r.availableOutgoingBitrate === "number") {
        s.availableOutgoingKbps = Math.round(r.availableOutgoingBitrate / 1000);
      }
    }
  });
  return s;
}

/** How long after the first decoded frame the sender may still be ramping its bitrate and frame rate up. */
export const RAMP_UP_MS = 5000;

/**
 * Compares two samples; `poor` or `fair` when any measure crosses its threshold, with the first limit
 * found at the worst level. `videoExpected` false (the other side's camera is off): a low bitrate and no
 * new packets are normal. `videoSince`: when the first frame was decoded; a slow picture within
 * RAMP_UP_MS of it is the start, not the link.
 */
export function assessQuality(
  prev: StatsSample | undefined,
  cur: StatsSample,
  videoExpected = true,
  videoSince?: number,
): Quality {
  if (!prev || cur.at <= prev.at) {
    return { level: "unknown", rttMs: cur.rttMs, lossPct: 0, kbps: 0, framesDecoded: cur.framesDecoded };
  }
  const received = cur.packetsReceived - prev.packetsReceived;
  const lost = cur.packetsLost - prev.packetsLost;
  const lossPct = received + lost > 0 ? Math.round((lost / (received + lost)) * 1000) / 10 : 0;
  const kbps = Math.round(((cur.bytesReceived - prev.bytesReceived) * 8) / (cur.at - prev.at));
  const rtt = cur.rttMs ?? 0;
  const out = cur.availableOutgoingKbps;
  // A low incoming bitrate alone is the sender's choice (a still scene, the first seconds of a call); it
  // is a sign of a bad link only when the picture also slows down.
  const fps = ((cur.framesDecoded - prev.framesDecoded) * 1000) / (cur.at - prev.at);
  const rampingUp = videoSince === undefined || cur.at - videoSince < RAMP_UP_MS;
  const starved = videoExpected && !rampingUp && kbps < 150 && fps < 10;
  // Worst first: the first limit found at the worst level names the problem.
  const checks: [QualityLimit, QualityLevel][] = [
    ["no-media", received === 0 && videoExpected ? "poor" : "good"],
    ["loss", lossPct > 8 ? "poor" : lossPct > 3 ? "fair" : "good"],
    ["round-trip", rtt > 400 ? "poor" : rtt > 200 ? "fair" : "good"],
    [
      "bandwidth",
      out !== undefined && out < 100 ? "poor" : (out !== undefined && out < 250) || starved ? "fair" : "good",
    ],
  ];
  const worst = checks.find(([, l]) => l === "poor") ?? checks.find(([, l]) => l === "fair");
  const base = { rttMs: cur.rttMs, lossPct, kbps, framesDecoded: cur.framesDecoded };
  return worst ? { level: worst[1], limit: worst[0], ...base } : { level: "good", ...base };
}
