/** The few series of a `/metrics` scrape an operator looks at first, for `mobimaint metrics`. */
import { quantile, type Sample, total } from "../lib/prometheus.ts";

export interface MetricsSummary {
  node: string;
  uptimeSec: number;
  rssBytes: number;
  connections: number;
  calls: { active: number; ringing: number; pending: number };
  callsEnded: Record<string, number>;
  rings: Record<string, number>;
  socketEvents: number;
  socketErrors: Record<string, number>;
  relayed: number;
  httpRequests: number;
  http5xx: number;
  storeErrors: number;
  /** Snapshot images in the blob store. */
  snapshots: { images: number; bytes: number; calls: number };
  /** p95 latencies in milliseconds; undefined when nothing was measured yet. */
  p95Ms: { socketEvent?: number; relay?: number; http?: number; store?: number; presenceFlush?: number };
}

/** Sums `name` by the value of `label`, leaving out `except`. */
function byLabel(samples: Sample[], name: string, label: string, except?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name !== name || key === undefined || key === except) continue;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

const ms = (seconds: number | undefined) => seconds === undefined ? undefined : seconds * 1000;

/** p95 over the relayed signaling events together (offer, answer and ICE candidates). */
function relayP95(samples: Sample[]): number | undefined {
  const relayEvents = new Set(["offer", "answer", "ice-candidate"]);
  return quantile(
    samples.filter((s) => !s.labels.event || relayEvents.has(s.labels.event)),
    "mobimaint_socket_event_duration_seconds",
    0.95,
  );
}

export function summarize(samples: Sample[], now = Date.now()): MetricsSummary {
  const started = total(samples, "process_start_time_seconds");
  const http = byLabel(samples, "mobimaint_http_requests_total", "status");
  return {
    node: samples.find((s) => s.labels.node)?.labels.node ?? "-",
    uptimeSec: started ? Math.max(0, now / 1000 - started) : 0,
    rssBytes: total(samples, "process_resident_memory_bytes"),
    connections: total(samples, "mobimaint_socket_connections"),
    calls: {
      active: total(samples, "mobimaint_calls", { state: "active" }),
      ringing: total(samples, "mobimaint_calls", { state: "ringing" }),
      pending: total(samples, "mobimaint_calls", { state: "pending" }),
    },
    callsEnded: byLabel(samples, "mobimaint_calls_ended_total", "reason"),
    rings: byLabel(samples, "mobimaint_rings_total", "outcome"),
    socketEvents: total(samples, "mobimaint_socket_events_total"),
    socketErrors: byLabel(samples, "mobimaint_socket_events_total", "outcome", "ok"),
    relayed: total(samples, "mobimaint_relayed_messages_total"),
    httpRequests: Object.values(http).reduce((a, b) => a + b, 0),
    http5xx: Object.entries(http).filter(([s]) => s.startsWith("5")).reduce((a, [, n]) => a + n, 0),
    storeErrors: total(samples, "mobimaint_store_errors_total"),
    snapshots: {
      images: total(samples, "mobimaint_snapshot_images"),
      bytes: total(samples, "mobimaint_snapshot_bytes"),
      calls: total(samples, "mobimaint_snapshot_calls"),
    },
    p95Ms: {
      socketEvent: ms(quantile(samples, "mobimaint_socket_event_duration_seconds", 0.95)),
      relay: ms(relayP95(samples)),
      http: ms(quantile(samples, "mobimaint_http_request_duration_seconds", 0.95)),
      store: ms(quantile(samples, "mobimaint_store_operation_duration_seconds", 0.95)),
      presenceFlush: ms(quantile(samples, "mobimaint_presence_flush_duration_seconds", 0.95)),
    },
  };
}
