/** Latency summaries for the benchmark. */
export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function summarize(samples: number[]): Summary {
  if (!samples.length) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return {
    count: s.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(s.at(-1)!),
  };
}

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` for each item with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  task: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Calls `send(i)` at `ratePerSec` for `seconds`; returns how many were sent.
 * Sends are spread as evenly as the timer allows (a 1 ms timer, so 2,000/s goes out in twos
 * or fours): a burst of many messages at once would measure the queue behind the burst, not the
 * server's latency at that rate.
 */
export async function paced(ratePerSec: number, seconds: number, send: (i: number) => void): Promise<number> {
  const start = now();
  const total = Math.floor(ratePerSec * seconds);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - start) * ratePerSec) / 1000) + 1);
    while (sent < due) send(sent++);
    await sleep(1);
  }
  return sent;
}
