/** The per-message counter and histogram expose exactly what prom-client's would; the text parser reads both. */
import assert from "node:assert/strict";
import client from "prom-client";
import { parseMetrics, quantile, total } from "../lib/prometheus.ts";
import { countByState } from "../server/metrics/metrics.ts";
import { FastCounter, FastHistogram } from "../server/metrics/fast.ts";
import type { CallRecord } from "../lib/types.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1];

Deno.test("FastHistogram and FastCounter scrape like prom-client's Histogram and Counter", async () => {
  const theirs = new client.Registry(), ours = new client.Registry();
  for (const r of [theirs, ours]) r.setDefaultLabels({ node: "n1" });
  const h = new client.Histogram({
    name: "x_seconds",
    help: "h",
    labelNames: ["event"],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const c = new client.Counter({
    name: "y_total",
    help: "c",
    labelNames: ["event", "outcome"],
    registers: [theirs],
  });
  const fh = new FastHistogram(ours, "x_seconds", "h", ["event"], BUCKETS);
  const fc = new FastCounter(ours, "y_total", "c", ["event", "outcome"]);
  // Values on and between the bounds, and past the last one.
  const values = [0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.5, 1, 2, 30];
  for (const [i, v] of values.entries()) {
    const event = i % 2 ? "offer" : "answer";
    h.observe({ event }, v);
    fh.observe(fh.series(event), v);
    c.inc({ event, outcome: i % 3 ? "ok" : "FORBIDDEN" });
    fc.series(event, i % 3 ? "ok" : "FORBIDDEN").value++;
  }
  // The same HELP/TYPE lines and the same samples (label order within a sample does not matter).
  const normal = (text: string) =>
    [
      ...text.split("\n").filter((l) => l.startsWith("#")),
      ...parseMetrics(text).map((x) =>
        `${x.name}${JSON.stringify(Object.entries(x.labels).sort())} ${x.value}`
      ),
    ].sort();
  const expected = normal(await theirs.metrics());
  assert.equal(expected.length, 4 + 2 * (4 + 1 + 2) + 4);
  assert.deepEqual(normal(await ours.metrics()), expected);
});

Deno.test("parseMetrics, total and quantile read the text format", () => {
  const text = [
    "# HELP h_seconds x",
    "# TYPE h_seconds histogram",
    'h_seconds_bucket{event="a",le="0.1"} 50',
    'h_seconds_bucket{event="a",le="1"} 100',
    'h_seconds_bucket{event="a",le="+Inf"} 100',
    'h_seconds_bucket{event="b",le="0.1"} 0',
    'h_seconds_bucket{event="b",le="1"} 0',
    'h_seconds_bucket{event="b",le="+Inf"} 100',
    'c_total{route="/api/calls/:id",msg="a \\"quoted\\" value"} 3',
    "g 7",
  ].join("\n");
  const s = parseMetrics(text);
  assert.equal(total(s, "c_total", { route: "/api/calls/:id" }), 3);
  assert.equal(s.find((x) => x.name === "c_total")?.labels.msg, 'a "quoted" value');
  assert.equal(total(s, "g"), 7);
  assert.equal(quantile(s, "h_seconds", 0.5, { event: "a" }), 0.1);
  assert.ok(Math.abs(quantile(s, "h_seconds", 0.95, { event: "a" })! - 0.91) < 1e-9);
  assert.equal(quantile(s, "h_seconds", 0.5, { event: "b" }), 1, "past the last bound: that bound");
  assert.equal(quantile(s, "nothing", 0.5), undefined);
});

Deno.test("countByState: ringing is a pending call being rung; ended calls are not counted", () => {
  const call = (status: CallRecord["status"], ringing?: boolean) =>
    ({
      status,
      invitations: ringing ? [{ userId: "e", role: "Expert", since: 0, state: "ringing" }] : [],
    }) as unknown as CallRecord;
  assert.deepEqual(
    countByState([call("pending"), call("pending", true), call("active"), call("active"), call("ended")]),
    { pending: 1, ringing: 1, active: 2 },
  );
});
