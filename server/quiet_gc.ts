/**
 * A full garbage collection while the server is quiet, once its old generation has grown by a storm's worth.
 *
 * A connection storm leaves tens of MB in the old generation (3,000 old clients: from ~30 to ~110 MB, a fifth
 * of it garbage). V8 collects it when the old generation reaches its limit, which tends to be when the next
 * messages come: at 3,000 old clients that collection (65 ms of marking and compacting within ~110 ms) fell at
 * the start of the bench's relay phase and set its p99. Run while the server is quiet, it delays at most a
 * message that happens to come during it (one pause, where V8's own is mostly incremental). V8 does this on its
 * own only in a browser (idle-time GC); a server has to ask.
 *
 * Quiet: over the last `quietMs` the process used under `maxBusyShare` of a core and received no request or
 * client event. The second rule keeps the pause out of a call being set up on an otherwise idle server: its
 * few messages cost little CPU, but each waits for a collection that starts between them. A busy server never
 * collects here; V8 then collects as it always does.
 */
import v8 from "node:v8";
import process from "node:process";

export interface QuietGcOptions {
  /** A full collection (`globalThis.gc`, with `--v8-flags=--expose-gc`). */
  collect: () => void;
  /** Bytes used in the old generation (old space and large objects). */
  oldBytes: () => number;
  /** The process's CPU time so far, ms. */
  cpuMs: () => number;
  /** Requests and client events received so far (server/activity.ts). */
  received: () => number;
  growthBytes?: number;
  quietMs?: number;
  maxBusyShare?: number;
  checkMs?: number;
  /** Called after each collection, with how long it took (ms) and the old generation before and after. */
  collected?: (ms: number, before: number, after: number) => void;
}

/** The rule, checked every `checkMs` by collectWhenQuiet (tests call `check` with their own times). */
export class QuietGc {
  private readonly growth: number;
  private readonly quietMs: number;
  private readonly maxBusyShare: number;
  /** The lowest the old generation has been since the last collection (V8's own included). */
  private lowest: number;
  /** CPU time and received counts of the last `quietMs`, and the reading just before them. */
  private readonly samples: { at: number; cpu: number; received: number }[] = [];

  constructor(private readonly opts: QuietGcOptions) {
    this.growth = opts.growthBytes ?? 32 * 1024 * 1024;
    this.quietMs = opts.quietMs ?? 300;
    this.maxBusyShare = opts.maxBusyShare ?? 0.1;
    this.lowest = opts.oldBytes();
  }

  /** Collects if the old generation grew by `growthBytes` and the last `quietMs` were quiet; says whether it did. */
  check(at: number): boolean {
    const { samples } = this;
    samples.push({ at, cpu: this.opts.cpuMs(), received: this.opts.received() });
    while (samples.length > 1 && samples[1].at <= at - this.quietMs) samples.shift();
    const old = this.opts.oldBytes();
    this.lowest = Math.min(this.lowest, old);
    const span = at - samples[0].at;
    if (old - this.lowest < this.growth || span < this.quietMs) return false;
    const [first, last] = [samples[0], samples.at(-1)!];
    if ((last.cpu - first.cpu) / span > this.maxBusyShare || last.received !== first.received) return false;
    const started = performance.now();
    this.opts.collect();
    this.lowest = this.opts.oldBytes();
    this.opts.collected?.(performance.now() - started, old, this.lowest);
    samples.length = 0; // the collection's own CPU time is not load
    return true;
  }
}

/** Runs QuietGc every `checkMs` (100) until the returned function is called. */
export function collectWhenQuiet(opts: QuietGcOptions): () => void {
  const gc = new QuietGc(opts);
  const timer = setInterval(() => gc.check(performance.now()), opts.checkMs ?? 100);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/** Bytes used in V8's old generation: old space and large objects. */
export function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === "old_space" || space.space_name === "large_object_space") {
      bytes += space.space_used_size;
    }
  }
  return bytes;
}

/** This process's CPU time so far (user and system), ms. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
