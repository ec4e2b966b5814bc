/**
 * Logins hand their memory back: each one's scrypt takes 16 MiB on a worker thread, which glibc would keep
 * in RSS with its default (dynamic) mmap threshold, so a server that had served a few dozen logins sat on
 * hundreds of MiB it no longer used. The server process runs with SERVER_ENV (server/runtime_flags.ts),
 * as `deno task start` runs it.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "./helpers/process.ts";
import { login } from "./helpers/server.ts";

const LOGINS = 64;

Deno.test(`${LOGINS} logins leave the server's RSS within 100 MiB of where one left it`, async () => {
  const proc = await startServerProcess({ MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "1000000" });
  try {
    await login(proc.url, "user1", "P");
    const before = await proc.rss();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < LOGINS) await login(proc.url, "user1", "P");
    }));
    const grown = (await proc.rss() - before) / 2 ** 20;
    console.log(`RSS grew by ${grown.toFixed(0)} MiB over ${LOGINS} logins`);
    assert.ok(grown < 100, `RSS grew by ${grown.toFixed(0)} MiB over ${LOGINS} logins`);
  } finally {
    await proc.stop();
  }
});
