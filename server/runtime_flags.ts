/**
 * The V8 flags the server runs with: `deno task start` (deno.json, kept equal by
 * tests/runtime_flags_test.ts), the benchmark and the tests that start real processes.
 *
 * --no-allocation-site-pretenuring: under a steady message load V8 starts allocating the
 * objects of each Socket.IO packet (decoded payload, encoded frame, room sets) straight in
 * the old generation, so every young-generation collection then copies megabytes of
 * packets that die a moment later: 4–5 ms pauses every ~300 ms at 4,000 messages/s.
 * Without it those collections copy ~60 KB and pause under 1 ms (`deno task bench`,
 * docs/performance.md).
 */
export const SERVER_V8_FLAGS = ["--no-allocation-site-pretenuring"];

/** The `deno run` argument that applies SERVER_V8_FLAGS (more `--v8-flags` arguments add to it). */
export const serverV8Arg = `--v8-flags=${SERVER_V8_FLAGS.join(",")}`;
