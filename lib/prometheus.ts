/** Reads the Prometheus text format (what `GET /metrics` serves): samples, sums and histogram quantiles. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string) => v.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) labels[k] = unescape(v);
    const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

const matches = (s: Sample, where: Record<string, string>) =>
  Object.entries(where).every(([k, v]) => s.labels[k] === v);

/** The sum of the samples named `name` whose labels include `where`. */
export function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && matches(s, where)).reduce((a, s) => a + s.value, 0);
}

/**
 * The q-quantile of histogram `name` (its `_bucket` series, summed over the other labels), interpolated
 * inside the bucket as Prometheus' histogram_quantile does; undefined when it has no observations.
 */
export function quantile(
  samples: Sample[],
  name: string,
  q: number,
  where: Record<string, string> = {},
): number | undefined {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s, where)) continue;
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  if (!count) return undefined;
  const rank = q * count;
  let [prevLe, prevCount] = [0, 0];
  for (const [le, cumulative] of sorted) {
    if (cumulative >= rank) {
      if (le === Infinity) return prevLe; // beyond the largest bucket: its bound is all that is known
      return prevLe + (le - prevLe) * ((rank - prevCount) / Math.max(1, cumulative - prevCount));
    }
    [prevLe, prevCount] = [le, cumulative];
  }
  return prevLe;
}
