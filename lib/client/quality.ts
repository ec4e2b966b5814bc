/** Connection quality from `RTCPeerConnection.getStats()`: RTT, packet loss and received bitrate. */

export interface StatsSample {
  at: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
  rttMs?: number;
}

export type QualityLevel = "good" | "fair" | "poor" | "unknown";

export interface Quality {
  level: QualityLevel;
  rttMs?: number;
  lossPct: number;
  kbps: number;
  framesDecoded: number;
}

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
    }
  });
  return s;
}

/** How long after the first decoded frame the sender may still be ramping its bitrate and frame rate up. */
export const RAMP_UP_MS = 5000;

/**
 * Compares two samples; `poor` or `fair` when any measure crosses its threshold. `videoExpected`
 * false (the other side's camera is off): a low bitrate and no new packets are normal. `videoSince`:
 * when the first frame was decoded; a slow picture within RAMP_UP_MS of it is the start, not the link.
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
  const stalled = received === 0 && videoExpected;
  // A low bitrate alone is the sender's choice (a still scene, the first seconds of a call); it is a
  // sign of a bad link only when the picture also slows down.
  const fps = ((cur.framesDecoded - prev.framesDecoded) * 1000) / (cur.at - prev.at);
  const rampingUp = videoSince === undefined || cur.at - videoSince < RAMP_UP_MS;
  const starved = videoExpected && !rampingUp && kbps < 150 && fps < 10;
  const level: QualityLevel = stalled || rtt > 400 || lossPct > 8
    ? "poor"
    : rtt > 200 || lossPct > 3 || starved
    ? "fair"
    : "good";
  return { level, rttMs: cur.rttMs, lossPct, kbps, framesDecoded: cur.framesDecoded };
}
