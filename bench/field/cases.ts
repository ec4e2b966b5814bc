/** The field benchmark's matrix: how the technician reaches TURN, and the link it sits behind. */
import type { LinkConditions } from "../../tests/helpers/link/shaper.ts";

export type Transport = "direct" | "udp" | "tcp" | "tls";
export const TRANSPORTS: Transport[] = ["direct", "udp", "tcp", "tls"];

export interface LinkCase {
  name: string;
  /** Applied to each direction of the technician's link. */
  conditions: Partial<LinkConditions>;
  /** Targets from the issue: accept → first remote frame on both pages, and the expert's steady state. */
  target: { firstFrameMs: number; minWidth?: number; minHeight?: number; minFps?: number };
}

const QUEUE_MS = 250;

export const LINKS: LinkCase[] = [
  { name: "unlimited", conditions: {}, target: { firstFrameMs: 1000 } },
  { name: "1 Mbps", conditions: { rateKbps: 1000, queueMs: QUEUE_MS }, target: { firstFrameMs: 1000 } },
  {
    name: "300 kbps, 150 ms RTT, 5 % loss",
    conditions: { rateKbps: 300, delayMs: 75, lossPct: 5, queueMs: QUEUE_MS },
    target: { firstFrameMs: 2000, minWidth: 960, minHeight: 540, minFps: 10 },
  },
  {
    name: "150 kbps, 300 ms RTT, 10 % loss",
    conditions: { rateKbps: 150, delayMs: 150, lossPct: 10, queueMs: QUEUE_MS },
    target: { firstFrameMs: 3000, minWidth: 640, minHeight: 360, minFps: 5 },
  },
];

/** DevTools network emulation of the same conditions (the direct case has no relay to put a link in). */
export function devtoolsConditions(c: Partial<LinkConditions>) {
  const bytesPerSec = c.rateKbps ? (c.rateKbps * 1000) / 8 : -1;
  return {
    offline: false,
    latency: c.delayMs ?? 0, // added each way
    downloadThroughput: bytesPerSec,
    uploadThroughput: bytesPerSec,
    packetLoss: c.lossPct ?? 0,
  };
}
