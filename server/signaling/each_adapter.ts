/** Adapter hooks that must hold whichever adapter the namespace ends up with. */
import type { IoServer } from "./types.ts";

/**
 * Runs `install` on a namespace's adapter (the main one unless named) now, and on any adapter installed
 * later (`io.adapter(...)`, as the Redis mode does).
 */
export function onEachAdapter<A>(io: IoServer, install: (adapter: A) => void, namespace = "/"): void {
  install(io.of(namespace).adapter as unknown as A);
  const setAdapter = io.adapter.bind(io);
  // deno-lint-ignore no-explicit-any
  (io as any).adapter = (...args: unknown[]) => {
    // deno-lint-ignore no-explicit-any
    const result = (setAdapter as any)(...args);
    if (args.length) install(io.of(namespace).adapter as unknown as A);
    return result;
  };
}
