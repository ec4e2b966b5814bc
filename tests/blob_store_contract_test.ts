/**
 * The BlobStore contract, run unchanged against the file store (a temp dir) and the Redis store (a real
 * redis-server): put/get/list/delete, the per-call count limit under concurrency, other calls untouched,
 * and a restart (files reopened; redis-server stopped and started) keeping every image.
 */
import assert from "node:assert/strict";
import type { BlobMeta, BlobStore } from "../server/store/blobs.ts";
import { FsBlobStore } from "../server/store/blobs_fs.ts";
import { RedisBlobStore } from "../server/store/blobs_redis.ts";
import { jpeg, png } from "./helpers/images.ts";
import { startTestRedis, type TestRedis } from "./helpers/redis.ts";

interface Backing {
  open(): Promise<BlobStore>;
  /** Stops and starts the backing service (Redis) or nothing (files): stores must be reopened after. */
  restart(): Promise<void>;
}

const meta = (callId: string, id: string, createdAt: number, bytes = 10): BlobMeta => ({
  id,
  callId,
  type: "image/png",
  width: 4,
  height: 3,
  bytes,
  from: "user1",
  createdAt,
});

const cases: Record<string, (b: Backing) => Promise<void>> = {
  "put, get the same bytes, list oldest first, delete the call": async ({ open }) => {
    const s = await open();
    try {
      const a = png(4, 3), b = await jpeg();
      assert.equal(await s.get("c1", "none"), null);
      assert.deepEqual(await s.list("c1"), []);
      assert.equal(await s.put(meta("c1", "snap_b", 2000, b.length), b, 10), true);
      assert.equal(await s.put(meta("c1", "snap_a", 1000, a.length), a, 10), true);
      assert.equal(await s.put(meta("other/../call", "snap_x", 1500, a.length), a, 10), true);
      const got = await s.get("c1", "snap_a");
      assert.deepEqual(got?.meta, meta("c1", "snap_a", 1000, a.length));
      assert.deepEqual(got?.bytes, a);
      assert.deepEqual((await s.get("c1", "snap_b"))?.bytes, b);
      assert.equal(await s.get("c1", "snap_x"), null, "an image belongs to its call only");
      assert.equal(await s.get("c1", "../c1/snap_a"), null, "ids are not paths");
      assert.deepEqual((await s.list("c1")).map((m) => m.id), ["snap_a", "snap_b"]);
      assert.deepEqual(await s.calls(), ["c1", "other/../call"]);
      assert.deepEqual(await s.usage(), { calls: 2, images: 3, bytes: 2 * a.length + b.length });
      assert.equal(await s.deleteCall("c1"), 2);
      assert.equal(await s.deleteCall("c1"), 0, "second delete finds nothing");
      assert.equal(await s.get("c1", "snap_a"), null);
      assert.deepEqual(await s.list("c1"), []);
      assert.deepEqual(await s.calls(), ["other/../call"]);
      assert.equal((await s.list("other/../call")).length, 1, "other calls untouched");
      assert.deepEqual(await s.usage(), { calls: 1, images: 1, bytes: a.length });
    } finally {
      await s.close();
    }
  },

  "at most maxPerCall images per call, also when puts race": async ({ open }) => {
    const s = await open();
    try {
      const bytes = png(2, 2);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => s.put(meta("c", `snap_${i}`, 1000 + i), bytes, 5)),
      );
      assert.equal(results.filter(Boolean).length, 5);
      assert.equal((await s.list("c")).length, 5);
      assert.equal(await s.put(meta("d", "snap_0", 1), bytes, 5), true, "the limit is per call");
      await s.deleteCall("c");
      assert.equal(await s.put(meta("c", "snap_new", 1), bytes, 5), true, "room again once removed");
    } finally {
      await s.close();
    }
  },

  "restart: every image is still there": async ({ open, restart }) => {
    const first = await open();
    const big = png(640, 480, [10, 20, 30]);
    await first.put(meta("c", "snap_1", 1, big.length), big, 10);
    await first.put(meta("c", "snap_2", 2), png(3, 3), 10);
    await first.close();
    await restart();
    const again = await open();
    try {
      assert.deepEqual((await again.list("c")).map((m) => m.id), ["snap_1", "snap_2"]);
      assert.deepEqual((await again.get("c", "snap_1"))?.bytes, big);
      assert.deepEqual(await again.calls(), ["c"]);
    } finally {
      await again.close();
    }
  },
};

Deno.test("blob store contract: files under the data directory", async (t) => {
  for (const [name, run] of Object.entries(cases)) {
    const dir = await Deno.makeTempDir({ prefix: "mobimaint-blobs-" });
    try {
      await t.step(name, () => run({ open: () => FsBlobStore.open(dir), restart: () => Promise.resolve() }));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("blob store contract: Redis", async (t) => {
  const redis: TestRedis = await startTestRedis();
  try {
    let n = 0;
    for (const [name, run] of Object.entries(cases)) {
      const prefix = `{blobs${n++}}:`;
      await t.step(name, () =>
        run({
          open: () => RedisBlobStore.open(redis.url, { prefix }),
          restart: async () => {
            await redis.stop();
            await redis.start();
          },
        }));
    }
    await t.step("redis: two nodes racing on one call stay within the limit", async () => {
      const [a, b] = [
        await RedisBlobStore.open(redis.url, { prefix: "{race}:" }),
        await RedisBlobStore.open(redis.url, { prefix: "{race}:" }),
      ];
      try {
        const bytes = png(2, 2);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).put(meta("c", `snap_${i}`, i), bytes, 3)),
        );
        assert.equal(results.filter(Boolean).length, 3);
        assert.equal((await b.list("c")).length, 3);
      } finally {
        await a.close();
        await b.close();
      }
    });
  } finally {
    await redis.close();
  }
});
