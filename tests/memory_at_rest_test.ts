/**
 * After a burst the server hands its memory back within seconds of calm: V8 keeps the pages its garbage
 * took until its memory reducer runs, 30 s after the heap grew by default, a second or two into the calm with
 * SERVER_V8_FLAGS (server/runtime_flags.ts). The server process runs with them, as `deno task start` does.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "./helpers/process.ts";
import { login } from "./helpers/server.ts";
import { type Client, connect, sleep } from "./helpers/sockets.ts";

const SOCKETS = 600;
/** How long the calm may last before the memory must be back: well under V8's default 30 s. */
const CALM_MS = 12_000;

Deno.test(`the memory of ${SOCKETS} connections, closed, is handed back within ${CALM_MS / 1000} s`, async () => {
  const proc = await startServerProcess();
  try {
    const { token } = await login(proc.url, "user1", "P");
    const before = await proc.rss();
    const sockets: Client[] = [];
    for (let i = 0; i < SOCKETS; i += 50) {
      sockets.push(...await Promise.all(Array.from({ length: 50 }, () => connect(proc.url, token))));
    }
    const peak = await proc.rss();
    for (const s of sockets) s.close();
    const grownMiB = (peak - before) / 2 ** 20;
    assert.ok(grownMiB > 10, `the burst grew RSS by only ${grownMiB.toFixed(1)} MiB: nothing to hand back`);

    // Back once half of what the burst took is handed back.
    const target = before + (peak - before) / 2;
    const calmFrom = performance.now();
    let rss = peak;
    while (rss > target && performance.now() - calmFrom < CALM_MS) {
      await sleep(250);
      rss = await proc.rss();
    }
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const took = ((performance.now() - calmFrom) / 1000).toFixed(1);
    console.log(
      `RSS ${mib(before)} → ${mib(peak)} MiB with the sockets, ${mib(rss)} MiB ${took} s after closing`,
    );
    assert.ok(
      rss <= target,
      `RSS still ${mib(rss)} MiB ${took} s after the burst (was ${mib(before)} before it)`,
    );
  } finally {
    await proc.stop();
  }
});
