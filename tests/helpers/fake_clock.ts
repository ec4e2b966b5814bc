/**
 * A clock the test moves: the domain's timers (ring timeout, grace period, restart recovery) fire when
 * `advance` passes their time, not when wall time does. Sockets, HTTP and the store keep real time.
 */
import type { Clock, Timer, TimerTask } from "../../server/domain/clock.ts";

interface Pending {
  at: number;
  run: TimerTask;
  every?: number;
}

export class FakeClock implements Clock {
  private time: number;
  private readonly timers = new Map<object, Pending>();

  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(run: TimerTask, ms: number): Timer {
    const handle = {};
    this.timers.set(handle, { at: this.time + Math.max(0, ms), run });
    return handle as Timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) this.timers.delete(timer);
  }

  setInterval(run: TimerTask, ms: number): Timer {
    const handle = {};
    this.timers.set(handle, { at: this.time + ms, run, every: Math.max(1, ms) });
    return handle as Timer;
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in time order, and waits for the work
   * each one started (the promise it returns: store writes, the events they publish), then for the
   * emits that follow on real event-loop turns.
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [handle, timer] = due;
      this.time = Math.max(this.time, timer.at);
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(handle);
      await Promise.resolve(timer.run()).catch(() => {});
      await settle();
    }
    this.time = until;
    await settle();
  }
}

/** A few real event-loop turns: enough for a timer's store write and the emits after it. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
}
