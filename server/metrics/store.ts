/**
 * A Store that times every operation into the metrics (the store itself untouched; `instanceof` and
 * plain properties go through to it), or the store as it is when metrics are off.
 */
import { AppError } from "../domain/errors.ts";
import type { Store } from "../store/store.ts";
import type { Metrics } from "./metrics.ts";

export function instrumentStore<S extends Store>(store: S, metrics: Metrics | undefined): S {
  if (!metrics) return store;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "close") return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const op = String(prop);
        fn = (...args: unknown[]) => {
          const started = performance.now();
          const done = (failed: boolean) =>
            metrics.storeOperation(op, (performance.now() - started) / 1000, failed);
          const result = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v) => {
              done(false);
              return v;
            },
            (e) => {
              // A change refused by the domain (updateCall's callback threw) is not a store failure.
              done(!(e instanceof AppError));
              throw e;
            },
          );
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
