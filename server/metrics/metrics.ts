/**
 * The Prometheus series of one node (prom-client). Created only when MOBIMAINT_METRICS_TOKEN is set;
 * otherwise `deps.metrics` is undefined and the hot paths pay nothing. Every series carries a `node`
 * label (host:port), so nodes behind one load balancer are told apart.
 */
import client from "prom-client";
import type { CallRecord } from "../../lib/types.ts";
import { ringingInvitation } from "../domain/call_rules.ts";
import type { CallService } from "../domain/calls.ts";
import type { BlobStore, BlobUsage } from "../store/blobs.ts";
import { type CounterSeries, FastCounter, FastHistogram, type HistogramSeries } from "./fast.ts";

/** Socket events are handled in well under a millisecond; store commits take a few. */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FLUSH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const CALL_STATES = ["pending", "ringing", "active"] as const;

/** Open calls by state: ringing is a pending call whose Expert is being rung. */
export function countByState(calls: CallRecord[]): Record<typeof CALL_STATES[number], number> {
  const counts = { pending: 0, ringing: 0, active: 0 };
  for (const c of calls) {
    if (c.status === "active") counts.active++;
    else if (c.status === "pending") counts[ringingInvitation(c) ? "ringing" : "pending"]++;
  }
  return counts;
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly httpRequests = new client.Counter({
    name: "mobimaint_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new client.Histogram({
    name: "mobimaint_http_request_duration_seconds",
    help: "HTTP request handling time by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly socketEvents = new FastCounter(
    this.registry,
    "mobimaint_socket_events_total",
    "Socket.IO events received, by event name and outcome (ok or the error code)",
    ["event", "outcome"],
  );
  private readonly socketEventDuration = new FastHistogram(
    this.registry,
    "mobimaint_socket_event_duration_seconds",
    "Socket.IO event handling time (rate limit, validation, handler) by event name",
    ["event"],
    FAST_BUCKETS,
  );
  private readonly relays = new FastCounter(
    this.registry,
    "mobimaint_relayed_messages_total",
    "WebRTC signaling messages relayed to the other participant, by type",
    ["type"],
  );
  private readonly callsEnded = new client.Counter({
    name: "mobimaint_calls_ended_total",
    help: "Calls ended by this node, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly rings = new client.Counter({
    name: "mobimaint_rings_total",
    help: "Rings stopped by this node, by outcome (accepted, rejected, timeout, cancelled, unavailable)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  private readonly presenceFlush = new client.Histogram({
    name: "mobimaint_presence_flush_duration_seconds",
    help: "Time a presence flush took to write its changes to the watching sockets",
    buckets: FLUSH_BUCKETS,
    registers: [this.registry],
  });
  private readonly storeDuration = new client.Histogram({
    name: "mobimaint_store_operation_duration_seconds",
    help: "Store operation latency by operation",
    labelNames: ["op"] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly storeErrors = new client.Counter({
    name: "mobimaint_store_errors_total",
    help: "Store operations that failed (not domain refusals), by operation",
    labelNames: ["op"] as const,
    registers: [this.registry],
  });

  /** event → its duration series and its outcome → count series, so a message costs no label lookups. */
  private readonly eventSeries = new Map<
    string,
    { duration: HistogramSeries; outcomes: Map<string, CounterSeries> }
  >();
  private readonly relaySeries = new Map<string, CounterSeries>();

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: "" });
  }

  /**
   * Counts the calls ended and the rings stopped by this node; reads the open calls (from the store:
   * cluster-wide) and this node's socket connections at each scrape.
   */
  observe(calls: CallService, connections: () => number): void {
    calls.listen({
      ended: (call) => this.callsEnded.inc({ reason: call.endReason ?? "ended" }),
      ringEnded: (_call, outcome) => this.rings.inc({ outcome }),
    });
    new client.Gauge({
      name: "mobimaint_socket_connections",
      help: "Socket.IO connections open on this node",
      registers: [this.registry],
      collect() {
        this.set(connections());
      },
    });
    new client.Gauge({
      name: "mobimaint_calls",
      help: "Open calls by state, from the store (cluster-wide: every node reports the same value)",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        let open: CallRecord[];
        try {
          open = await calls.open();
        } catch {
          this.reset(); // store unreachable (health says so): no value rather than a stale one or a failed scrape
          return;
        }
        const counts = countByState(open);
        for (const state of CALL_STATES) this.set({ state }, counts[state]);
      },
    });
  }

  /**
   * Blob store usage (snapshot images), read from the store at each scrape (cluster-wide: every node
   * reports the same value). One read serves the three gauges of a scrape.
   */
  observeBlobs(blobs: BlobStore): void {
    // The registry collects every gauge of a scrape at once: they share the read in flight.
    let reading: Promise<BlobUsage> | undefined;
    const read = () => reading ??= blobs.usage().finally(() => reading = undefined);
    const gauge = (name: string, help: string, pick: (u: BlobUsage) => number) =>
      new client.Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          try {
            this.set(pick(await read()));
          } catch {
            this.reset(); // blob store unreachable: no value rather than a stale one or a failed scrape
          }
        },
      });
    gauge("mobimaint_snapshot_images", "Snapshot images in the blob store", (u) => u.images);
    gauge("mobimaint_snapshot_bytes", "Bytes of snapshot images in the blob store", (u) => u.bytes);
    gauge("mobimaint_snapshot_calls", "Calls holding snapshot images in the blob store", (u) => u.calls);
  }

  /** `node` on every series; known once the server listens. */
  setNode(node: string): void {
    this.registry.setDefaultLabels({ node });
  }

  http(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  socketEvent(event: string, outcome: string, seconds: number): void {
    let e = this.eventSeries.get(event);
    if (!e) {
      this.eventSeries.set(
        event,
        e = { duration: this.socketEventDuration.series(event), outcomes: new Map() },
      );
    }
    this.socketEventDuration.observe(e.duration, seconds);
    let count = e.outcomes.get(outcome);
    if (!count) e.outcomes.set(outcome, count = this.socketEvents.series(event, outcome));
    count.value++;
  }

  relayed(type: string): void {
    let s = this.relaySeries.get(type);
    if (!s) this.relaySeries.set(type, s = this.relays.series(type));
    s.value++;
  }

  presenceFlushed(seconds: number): void {
    this.presenceFlush.observe(seconds);
  }

  storeOperation(op: string, seconds: number, failed: boolean): void {
    this.storeDuration.observe({ op }, seconds);
    if (failed) this.storeErrors.inc({ op });
  }

  /** The text a scrape gets. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
