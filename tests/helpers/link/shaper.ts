/**
 * One direction of an emulated link: random loss, a bottleneck of `rateKbps` with a queue that holds
 * at most `queueMs` of traffic (tail drop beyond it), then a fixed one-way `delayMs`. Packets leave in
 * order. `blackhole` drops everything (a dead path). Every drop is counted by cause.
 *
 * A stream (TCP) cannot lose bytes: in `stream` mode a "lost" segment is delivered one retransmission
 * timeout late (holding everything behind it, as TCP does) and a black hole holds data until it ends.
 */

export interface LinkConditions {
  /** Bottleneck rate, kbit/s; 0 = unlimited. */
  rateKbps: number;
  /** One-way delay added to every packet, ms. */
  delayMs: number;
  /** Random loss, percent (0–100). */
  lossPct: number;
  /** The most traffic the bottleneck queue holds, in ms at `rateKbps`; beyond that packets are dropped. */
  queueMs: number;
  /** Drop everything. */
  blackhole: boolean;
}

export const UNLIMITED: LinkConditions = {
  rateKbps: 0,
  delayMs: 0,
  lossPct: 0,
  queueMs: 200,
  blackhole: false,
};

/** Bytes of IP + UDP header a packet costs on the wire besides its payload. */
export const HEADER_BYTES = 28;

export interface DirectionStats {
  packets: number;
  bytes: number;
  lost: number;
  overflow: number;
  blackholed: number;
}

export class Shaper {
  conditions: LinkConditions;
  readonly stats: DirectionStats = { packets: 0, bytes: 0, lost: 0, overflow: 0, blackholed: 0 };
  private busyUntil = 0;
  private queue: { at: number; data: Uint8Array }[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private closed = false;

  private held: Uint8Array[] = [];

  constructor(
    conditions: Partial<LinkConditions>,
    private readonly deliver: (data: Uint8Array) => void,
    private readonly opts: { stream?: boolean; random?: () => number } = {},
  ) {
    this.conditions = { ...UNLIMITED, ...conditions };
  }

  set(conditions: Partial<LinkConditions>) {
    this.conditions = { ...this.conditions, ...conditions };
    if (!this.conditions.blackhole) this.held.splice(0).forEach((d) => this.push(d));
  }

  push(data: Uint8Array, now = performance.now()) {
    const c = this.conditions;
    const stream = this.opts.stream;
    if (this.closed) return;
    if (c.blackhole) {
      this.stats.blackholed++;
      if (stream) this.held.push(data);
      return;
    }
    let extra = 0;
    if (c.lossPct > 0 && (this.opts.random ?? Math.random)() * 100 < c.lossPct) {
      this.stats.lost++;
      if (!stream) return;
      extra = Math.max(200, 4 * c.delayMs); // TCP's minimum RTO, or a few round trips
    }
    let leaves = now;
    // Segments of ~1,460 bytes each carry their own headers.
    const wire = data.length + HEADER_BYTES * (stream ? Math.ceil(data.length / 1460) : 1);
    if (c.rateKbps > 0) {
      const start = Math.max(now, this.busyUntil);
      // A stream is never dropped: its sender backs off instead (the queue still delays it).
      if (!stream && start - now > c.queueMs) return void this.stats.overflow++;
      this.busyUntil = leaves = start + (wire * 8) / c.rateKbps;
    }
    this.queue.push({ at: leaves + c.delayMs + extra, data });
    this.schedule();
  }

  private schedule() {
    if (this.timer !== undefined || !this.queue.length) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      // In order: a packet never overtakes one queued before it, even when the delay was lowered meanwhile.
      while (this.queue.length && this.queue[0].at <= now + 0.5) {
        const { data } = this.queue.shift()!;
        this.stats.packets++;
        this.stats.bytes += data.length;
        this.deliver(data);
      }
      this.schedule();
    }, Math.max(0, this.queue[0].at - performance.now()));
  }

  /** Drops what is queued (a path that went away takes its packets in flight with it). */
  flush() {
    this.queue = [];
    this.busyUntil = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close() {
    this.closed = true;
    this.flush();
  }
}
