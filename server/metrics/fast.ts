/**
 * A counter and a histogram for the per-message path (socket events, relays). prom-client hashes and
 * validates the labels on every inc()/observe() (~1 µs and ~5 µs here), even through labels(); these
 * keep one series object per label set, which the caller looks up once, so counting is an addition.
 * They register with a prom-client Registry and are exposed like its own metrics.
 */
import type client from "prom-client";

type Labels = Record<string, string>;

export interface CounterSeries {
  labels: Labels;
  value: number;
}

export interface HistogramSeries {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

abstract class FastMetric<S extends { labels: Labels }> {
  private readonly all = new Map<string, S>();

  constructor(
    registry: client.Registry,
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {
    registry.registerMetric(this as unknown as client.Metric);
  }

  protected abstract create(labels: Labels): S;

  /** The series of these label values (in labelNames order); keep it and update it directly. */
  series(...values: string[]): S {
    const key = values.join("\u0000");
    let s = this.all.get(key);
    if (!s) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]]));
      this.all.set(key, s = this.create(labels));
    }
    return s;
  }

  protected allSeries(): IterableIterator<S> {
    return this.all.values();
  }

  /** prom-client's registries ask for nothing else. */
  reset(): void {
    this.all.clear();
  }
}

export class FastCounter extends FastMetric<CounterSeries> {
  protected create(labels: Labels): CounterSeries {
    return { labels, value: 0 };
  }

  get() {
    const values = [...this.allSeries()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: "counter", aggregator: "sum", values };
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  constructor(
    registry: client.Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    super(registry, name, help, labelNames);
  }

  protected create(labels: Labels): HistogramSeries {
    return { labels, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(s: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  get() {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (const s of this.allSeries()) {
      let cumulative = 0;
      s.counts.forEach((n, i) => {
        cumulative += n;
        const le = i < this.buckets.length ? this.buckets[i] : "+Inf";
        values.push({
          labels: { ...s.labels, le: String(le) },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: "histogram", aggregator: "sum", values };
  }
}
