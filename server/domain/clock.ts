/**
 * Time as the domain sees it: the ring timeout, the grace period and every timestamp it records come
 * from one injected clock, so tests move time forward instead of sleeping (tests/helpers/fake_clock.ts).
 */
export type Timer = { readonly __timer: unique symbol };

/** What a timer runs; a promise it returns is the work it started (a fake clock waits for it). */
export type TimerTask = () => unknown;

export interface Clock {
  now(): number;
  setTimeout(run: TimerTask, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(run: TimerTask, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
}

type Handle = ReturnType<typeof setTimeout>;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms) as unknown as Timer,
  clearTimeout: (timer) => clearTimeout(timer as unknown as Handle),
  setInterval: (run, ms) => setInterval(run, ms) as unknown as Timer,
  clearInterval: (timer) => clearInterval(timer as unknown as Handle),
};
