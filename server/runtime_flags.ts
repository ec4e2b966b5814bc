/**
 * The V8 flags and environment the server runs with: `deno task start` (deno.json, kept equal by
 * tests/runtime_flags_test.ts), the benchmark and the tests that start real processes.
 *
 * --no-allocation-site-pretenuring: under a steady message load V8 starts allocating the
 * objects of each Socket.IO packet (decoded payload, encoded frame, room sets) straight in
 * the old generation, so every young-generation collection then copies megabytes of
 * packets that die a moment later: 4–5 ms pauses every ~300 ms at 4,000 messages/s.
 * Without it those collections copy ~60 KB and pause under 1 ms (`deno task bench`,
 * docs/performance.md).
 *
 * --gc-memory-reducer-start-delay-ms=1000, --memory-reducer-delay-ms=1000: after a burst (a connection or
 * presence storm) the heap is mostly garbage, and V8 hands its pages back to the system only when its memory
 * reducer runs once the load has calmed, 30 s after the heap grew by default. With these, it runs a second or
 * two into the calm: with 3,000 old clients connected RSS went from 63 to 20 KiB per client after 9 s of calm
 * (64 to 25 after 14 s without), and the bench's tails differed no more than from run to run
 * (tests/memory_at_rest_test.ts, docs/performance.md).
 *
 * --expose-gc: main.ts collects a storm's garbage while the server is quiet (server/quiet_gc.ts), rather than
 * leave V8 to do it when the next messages come. SIGUSR2 also runs a full collection with it (diagnostics).
 */
const NO_PRETENURING = "--no-allocation-site-pretenuring";

export const SERVER_V8_FLAGS = [
  NO_PRETENURING,
  "--gc-memory-reducer-start-delay-ms=1000",
  "--memory-reducer-delay-ms=1000",
  "--expose-gc",
];

/** The `deno run` argument that applies SERVER_V8_FLAGS (more `--v8-flags` arguments add to it). */
export const serverV8Arg = `--v8-flags=${SERVER_V8_FLAGS.join(",")}`;

/** For the bench's load processes: packets as the server allocates them; their memory is not measured. */
export const loadV8Arg = `--v8-flags=${NO_PRETENURING}`;

/**
 * Environment for the server process (read by glibc as the process starts, so set by whoever starts it).
 *
 * MALLOC_MMAP_THRESHOLD_: each login's scrypt takes 16 MiB on a worker thread; glibc's default raises its
 * mmap threshold after the first such block is freed, so later ones come from the thread's heap arena and
 * stay in RSS. A fixed 128 KiB threshold (glibc's starting value) hands them back: 1,000 logins then
 * 1,000 connected clients leave 231 MiB RSS instead of 672 MiB (tests/memory_after_logins_test.ts).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: "131072" };
