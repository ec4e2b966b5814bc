/**
 * Typed domain events with any number of subscribers: each subscriber hands over the handlers it
 * cares about (`Partial<E>`), and a failing handler is reported without keeping the others from
 * running.
 */
// deno-lint-ignore no-explicit-any
type Handlers<E> = { [K in keyof E]: (...args: any[]) => unknown };

export class Listeners<E extends Handlers<E>> {
  private readonly list: Partial<E>[] = [];

  constructor(private readonly onError: (event: string, err: unknown) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  add(listener: Partial<E>): () => void {
    this.list.push(listener);
    return () => {
      const i = this.list.indexOf(listener);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  /** Calls every subscriber's handler; resolves when the async ones are done (callers may not wait). */
  emit<K extends keyof E & string>(event: K, ...args: Parameters<E[K]>): Promise<void> {
    const running: Promise<unknown>[] = [];
    for (const listener of this.list) {
      try {
        const out: unknown = listener[event]?.(...args);
        if (out instanceof Promise) running.push(out.catch((e) => this.onError(event, e)));
      } catch (e) {
        this.onError(event, e);
      }
    }
    return running.length ? Promise.all(running).then(() => {}) : Promise.resolve();
  }
}
