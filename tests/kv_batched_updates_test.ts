/**
 * Annotation writes to the embedded store are grouped (server/store/kv_writes.ts, BatchedUpdates): a
 * burst of updates to annotations that already exist (an old client moving its pins, a stroke edited)
 * goes in a few commits, not several per update, and keeps each annotation's place in the drawing order.
 */
import assert from "node:assert/strict";
import type { Annotation } from "../lib/types.ts";
import { KvStore } from "../server/store/kv.ts";
import { BatchedUpdates } from "../server/store/kv_writes.ts";

const pin = (id: string, text: string): Annotation => ({ id, kind: "pin", x: 0.5, y: 0.5, text, from: "u1" });

/** Runs `body` with every KV atomic commit going through `around` first. */
async function aroundCommits<T>(
  around: (
    commit: () => Promise<Deno.KvCommitResult | Deno.KvCommitError>,
  ) => Promise<Deno.KvCommitResult | Deno.KvCommitError>,
  body: () => Promise<T>,
): Promise<T> {
  const proto = Deno.AtomicOperation.prototype;
  const commit = proto.commit;
  proto.commit = function (this: Deno.AtomicOperation) {
    return around(() => commit.call(this));
  };
  try {
    return await body();
  } finally {
    proto.commit = commit;
  }
}

/** A throw-away KV database and the grouped writes under test. */
async function withUpdates(body: (kv: Deno.Kv, updates: BatchedUpdates) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await body(kv, new BatchedUpdates(kv));
  } finally {
    kv.close();
  }
}

Deno.test("a burst of annotation updates is written in a few commits, each keeping its first position", async () => {
  const store = await KvStore.open(":memory:");
  try {
    for (const id of ["a", "b", "c"]) await store.putAnnotation("call1", pin(id, `${id}0`));
    let used = 0;
    // 300 moves of the three pins, all in flight at once, as a busy call sends them.
    await aroundCommits((commit) => (used++, commit()), () =>
      Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          store.putAnnotation("call1", pin(["c", "a", "b"][i % 3], `v${i}`))),
      ));
    // One commit per update and a read-and-retry each took 600 or more before the grouping.
    assert.ok(used <= 10, `300 updates took ${used} commits`);
    assert.deepEqual(
      (await store.listAnnotations("call1")).map((a) => [a.id, a.text]),
      [["a", "v298"], ["b", "v299"], ["c", "v297"]],
      "the drawing order of the first writes, each with its last value",
    );
  } finally {
    store.close();
  }
});

Deno.test("a write the store refuses fails alone; the others in its batch are written", () =>
  withUpdates(async (kv, updates) => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      // 20 values of 60 KB each are over KV's 800 KB per commit; the one of 70 KB is over its 64 KiB per value.
      updates.update<string>(["k", i], () => (i === 7 ? "x".repeat(70_000) : String(i % 10).repeat(60_000))));
    const results = await Promise.allSettled(writes);
    assert.deepEqual(
      results.map((r) => r.status),
      results.map((_, i) => (i === 7 ? "rejected" : "fulfilled")),
    );
    assert.match(String((results[7] as PromiseRejectedResult).reason), /Value too large/);
    assert.equal((await kv.get<string>(["k", 19])).value?.length, 60_000);
    assert.equal((await kv.get(["k", 7])).value, null);
  }));

Deno.test("a key changed between the read and the commit is read and applied again", () =>
  withUpdates(async (kv, updates) => {
    await kv.set(["n"], 1);
    let commits = 0;
    // The first commit takes the key as absent and fails; before the second, checked against what the
    // batch read, another writer changes the key.
    await aroundCommits(async (commit) => {
      if (++commits === 2) await kv.set(["n"], 10);
      return commit();
    }, () => updates.update<number>(["n"], (n) => (n ?? 0) + 1));
    assert.equal(commits, 3);
    assert.equal((await kv.get(["n"])).value, 11);
  }));
