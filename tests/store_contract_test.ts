/**
 * The Store contract, run unchanged against the Deno KV store (a real KV file
 * in a temp dir) and the Redis store (a real redis-server). Each case gets a
 * fresh namespace and can open several stores on the same backing data, as
 * two MobiMaint nodes would.
 */
import assert from "node:assert/strict";
import { KvStore } from "../server/store/kv.ts";
import { RedisStore } from "../server/store/redis.ts";
import { runContract } from "./helpers/store_contract.ts";
import { ann } from "./helpers/store_fixtures.ts";
import { startTestRedis } from "./helpers/redis.ts";

Deno.test("store contract: Deno KV (two handles on one file)", async (t) => {
  await runContract(t, async () => {
    const dir = await Deno.makeTempDir({ prefix: "mobimaint-kv-contract-" });
    return {
      open: () => KvStore.open(`${dir}/store.kv`),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  });
});

Deno.test("store contract: Redis (two clients on one redis-server)", async (t) => {
  const redis = await startTestRedis();
  try {
    let n = 0;
    await runContract(t, () => {
      const prefix = `{contract-${++n}}:`;
      return Promise.resolve({
        open: () => RedisStore.open(redis.url, { prefix }),
        cleanup: () => Promise.resolve(),
      });
    });

    await t.step("redis: putAnnotationWithin checks the limit and writes in one step", async () => {
      const [s1, s2] = [
        await RedisStore.open(redis.url, { prefix: "{within}:" }),
        await RedisStore.open(redis.url, { prefix: "{within}:" }),
      ];
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? s1 : s2).putAnnotationWithin("c", ann(`n${i}`), 3)),
        );
        assert.equal(results.filter(Boolean).length, 3);
        const kept = (await s1.listAnnotations("c")).map((a) => a.id);
        assert.equal(kept.length, 3);
        assert.equal(
          await s2.putAnnotationWithin("c", ann(kept[0], "edited"), 3),
          true,
          "an update at the limit",
        );
        assert.equal(await s2.putAnnotationWithin("c", ann("new"), 3), false);
        assert.equal(await s1.countAnnotations("c"), 3);
        await s1.deleteAnnotation("c", kept[1]);
        assert.equal(await s2.putAnnotationWithin("c", ann("new"), 3), true);
      } finally {
        await s1.close();
        await s2.close();
      }
    });

    await t.step("redis: a revocation expires when the token does", async () => {
      const s = await RedisStore.open(redis.url, { prefix: "{expiry}:" });
      try {
        await s.revokeToken("long", Date.now() + 60_000);
        await s.revokeToken("short", Date.now() + 1_200);
        assert.equal(await s.isTokenRevoked("short"), true);
        const started = Date.now();
        while (await s.isTokenRevoked("short")) {
          assert.ok(Date.now() - started < 5_000, "not expired 5 s after the token");
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(Date.now() - started >= 900, "gone too early");
        assert.equal(await s.isTokenRevoked("long"), true);
      } finally {
        await s.close();
      }
    });

    await t.step("redis: warns when persistence can lose acknowledged writes", async () => {
      const s = await RedisStore.open(redis.url, { prefix: "{persistence}:" });
      // deno-lint-ignore no-explicit-any
      const admin = (s as any).redis;
      try {
        assert.equal(await s.persistenceWarning(), null, "appendonly yes + appendfsync always");
        await admin.config("SET", "appendfsync", "no");
        assert.match((await s.persistenceWarning())!, /appendfsync is no/);
      } finally {
        await admin.config("SET", "appendfsync", "always");
        await s.close();
      }
      const snapshotsOnly = await startTestRedis(["--appendonly", "no"]);
      const other = await RedisStore.open(snapshotsOnly.url);
      try {
        assert.match((await other.persistenceWarning())!, /appendonly is off/);
      } finally {
        await other.close();
        await snapshotsOnly.close();
      }
    });

    await t.step("redis: open rejects when nothing listens at the URL", async () => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      await assert.rejects(() => RedisStore.open(`redis://127.0.0.1:${port}`), /cannot connect to Redis/);
    });
  } finally {
    await redis.close();
  }
});
