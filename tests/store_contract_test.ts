/**
 * The Store contract, run unchanged against the Deno KV store (a real KV file
 * in a temp dir) and the Redis store (a real redis-server). Each case gets a
 * fresh namespace and can open several stores on the same backing data, as
 * two MobiMaint nodes would.
 */
import assert from "node:assert/strict";
import type { Annotation, CallRecord, ChatMessage } from "../lib/types.ts";
import { KvStore } from "../server/store/kv.ts";
import { RedisStore } from "../server/store/redis.ts";
import type { Store, UserRecord } from "../server/store/store.ts";
import { startTestRedis } from "./helpers/redis.ts";

/** Opens stores on one fresh, shared backing dataset. */
interface Backing {
  open(): Promise<Store>;
}

type Case = (backing: Backing) => Promise<void>;

const user = (username: string, id = `id-${username}`): UserRecord => ({
  id,
  username,
  role: "Technician",
  passwordHash: `hash-of-${username}`,
  createdAt: 1_700_000_000_000,
});

const call = (callId: string, createdBy: string, createdAt: number): CallRecord => ({
  callId,
  createdBy,
  status: "pending",
  createdAt,
  participants: [{ userId: createdBy, username: createdBy, role: "Technician", present: false }],
  timeline: [{ at: createdAt, type: "created", userId: createdBy }],
});

const ann = (id: string, text = `note ${id}`): Annotation => ({ id, text, x: 0.1, y: 0.2, from: "u1" });

const chat = (id: string, at: number): ChatMessage => ({ id, from: "u1", text: `msg ${id}`, at });

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
const callIds = (xs: CallRecord[]) => xs.map((x) => x.callId);

const cases: Record<string, Case> = {
  "users: create, find by name and id, list sorted, update, delete": async ({ open }) => {
    const s = await open();
    assert.equal(await s.getUserByName("nobody"), null);
    assert.equal(await s.getUserById("no-id"), null);
    assert.deepEqual(await s.listUsers(), []);

    assert.equal(await s.createUser(user("carol")), true);
    assert.equal(await s.createUser(user("alice")), true);
    assert.equal(await s.createUser(user("bob")), true);
    assert.equal(await s.createUser(user("alice", "another-id")), false, "username taken");
    assert.equal(await s.getUserById("another-id"), null, "a refused create leaves no id entry");

    assert.deepEqual(await s.getUserByName("alice"), user("alice"));
    assert.deepEqual(await s.getUserById("id-bob"), user("bob"));
    assert.deepEqual((await s.listUsers()).map((u) => u.username), ["alice", "bob", "carol"]);

    const other = await open();
    await s.updateUser({ ...user("bob"), role: "Expert", passwordHash: "new-hash" });
    assert.equal((await other.getUserByName("bob"))?.role, "Expert", "update visible to another node");
    assert.equal((await other.getUserById("id-bob"))?.passwordHash, "new-hash");

    assert.equal(await s.deleteUser("bob"), true);
    assert.equal(await s.deleteUser("bob"), false, "second delete finds nothing");
    assert.equal(await s.deleteUser("never-existed"), false);
    assert.equal(await other.getUserByName("bob"), null);
    assert.equal(await other.getUserById("id-bob"), null, "id lookup gone with the user");
    assert.deepEqual((await s.listUsers()).map((u) => u.username), ["alice", "carol"]);

    assert.equal(await s.createUser(user("bob", "id-bob-2")), true, "name reusable after delete");
    assert.equal((await s.getUserById("id-bob-2"))?.username, "bob");
  },

  "calls: create, get, refuse duplicate, list sorted by id": async ({ open }) => {
    const s = await open();
    assert.equal(await s.getCall("missing"), null);
    assert.deepEqual(await s.listCalls(), []);
    await s.createCall(call("c-2", "u1", 2000));
    await s.createCall(call("c-1", "u1", 1000));
    await assert.rejects(() => s.createCall({ ...call("c-1", "u2", 5000) }), /already exists/);
    assert.deepEqual(await s.getCall("c-1"), call("c-1", "u1", 1000), "duplicate did not overwrite");
    assert.deepEqual(callIds(await s.listCalls()), ["c-1", "c-2"]);
    assert.deepEqual(callIds(await s.listUserCalls("u2", { limit: 10 })), [], "duplicate not indexed");
  },

  "calls: updateCall applies, skips on null, returns null when missing": async ({ open }) => {
    const s = await open();
    const other = await open();
    assert.equal(await s.updateCall("missing", () => assert.fail("no change without a call")), null);

    await s.createCall(call("c", "u1", 1000));
    const unchanged = await s.updateCall("c", (c) => {
      c.status = "ended"; // mutating the argument must not leak when returning null
      return null;
    });
    assert.deepEqual(unchanged, { call: call("c", "u1", 1000), changed: false });
    assert.equal((await s.getCall("c"))?.status, "pending");

    const r = await s.updateCall("c", (c) => ({ ...c, status: "active", startTime: 1500 }));
    assert.equal(r?.changed, true);
    assert.equal(r?.call.status, "active");
    assert.deepEqual(await other.getCall("c"), r?.call, "another node reads the stored result");
  },

  "calls: concurrent updateCall from two nodes loses no update": async ({ open }) => {
    const a = await open();
    const b = await open();
    await a.createCall(call("c", "u1", 1000));
    const perNode = 25;
    const append = (store: Store, tag: string) =>
      store.updateCall("c", (c) => ({
        ...c,
        timeline: [...c.timeline, { at: Date.now(), type: "mark", detail: tag }],
      }));
    const results = await Promise.all(
      Array.from({ length: perNode }, (_, i) => [append(a, `a${i}`), append(b, `b${i}`)]).flat(),
    );
    assert.ok(results.every((r) => r?.changed));
    const final = await a.getCall("c");
    const marks = final!.timeline.filter((e) => e.type === "mark").map((e) => e.detail).sort();
    const expected = Array.from({ length: perNode }, (_, i) => [`a${i}`, `b${i}`]).flat().sort();
    assert.deepEqual(marks, expected, "every update from both nodes is kept");
    // Each update saw a distinct predecessor: the returned timelines have distinct lengths 2..51.
    const lengths = results.map((r) => r!.call.timeline.length).sort((x, y) => x - y);
    assert.deepEqual(lengths, Array.from({ length: 2 * perNode }, (_, i) => i + 2));
    assert.deepEqual(await b.getCall("c"), final, "both nodes converge on one record");
  },

  "calls: two nodes racing to accept the same call: exactly one wins": async ({ open }) => {
    const a = await open();
    const b = await open();
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      await a.createCall(call(id, "u1", 1000 + round));
      const accept = (store: Store, expert: string) =>
        store.updateCall(id, (c) =>
          c.status !== "pending" ? null : {
            ...c,
            status: "active",
            startTime: 2000,
            participants: [...c.participants, {
              userId: expert,
              username: expert,
              role: "Expert",
              present: true,
            }],
          });
      const [ra, rb] = await Promise.all([accept(a, "expA"), accept(b, "expB")]);
      assert.equal([ra!.changed, rb!.changed].filter(Boolean).length, 1, `round ${round}: one winner`);
      const stored = await b.getCall(id);
      assert.equal(stored!.participants.length, 2, "only the winner joined");
      assert.deepEqual(ra!.call, stored);
      assert.deepEqual(rb!.call, stored, "the loser sees the winner's record");
    }
  },

  "calls: listOpenCalls follows create and update, on every node, also under a race": async ({ open }) => {
    const a = await open();
    const b = await open();
    assert.deepEqual(await a.listOpenCalls(), []);
    await a.createCall(call("c-3", "u1", 3000));
    await a.createCall(call("c-1", "u1", 1000));
    await b.createCall({ ...call("c-2", "u2", 2000), status: "ended", endedAt: 2500 });
    assert.deepEqual(callIds(await b.listOpenCalls()), ["c-1", "c-3"], "an ended call is not open");
    assert.deepEqual(await b.listOpenCalls(), [call("c-1", "u1", 1000), call("c-3", "u1", 3000)]);

    await b.updateCall("c-1", (c) => ({ ...c, status: "active", startTime: 1100 }));
    assert.deepEqual((await a.listOpenCalls()).map((c) => c.status), ["active", "pending"], "fresh records");
    await a.updateCall("c-1", (c) => ({ ...c, status: "ended", endedAt: 1200 }));
    assert.deepEqual(callIds(await b.listOpenCalls()), ["c-3"], "ending removes it");
    await b.updateCall("c-3", () => null);
    assert.deepEqual(callIds(await a.listOpenCalls()), ["c-3"], "a null change keeps it");
    assert.deepEqual(callIds(await a.listCalls()), ["c-1", "c-2", "c-3"], "history keeps every call");

    // Two nodes race: one ends the call while the other keeps appending to it; the index follows the winner.
    for (let round = 0; round < 5; round++) {
      const id = `open-race-${round}`;
      await a.createCall(call(id, "u1", 4000 + round));
      await Promise.all([
        a.updateCall(id, (c) => (c.status === "ended" ? null : { ...c, status: "ended", endedAt: 5000 })),
        b.updateCall(id, (c) => ({ ...c, timeline: [...c.timeline, { at: 5000, type: "mark" }] })),
        b.updateCall(id, (c) => ({ ...c, timeline: [...c.timeline, { at: 5001, type: "mark" }] })),
      ]);
      assert.equal((await b.getCall(id))?.status, "ended");
    }
    assert.deepEqual(callIds(await b.listOpenCalls()), ["c-3"], "no ended call left in the index");
  },

  "history: newest first, limit, before (exclusive), ties by id, per user": async ({ open }) => {
    const s = await open();
    assert.deepEqual(await s.listUserCalls("u1", { limit: 10 }), []);
    await s.createCall(call("c1", "u1", 1000));
    await s.createCall(call("c2", "u1", 2000));
    await s.createCall(call("c3a", "u1", 3000));
    await s.createCall(call("c3b", "u1", 3000));
    await s.createCall(call("c4", "u1", 4000));
    await s.createCall(call("x", "u9", 3500));
    // The expert joined c2 and c4 only.
    await s.indexUserCall("u2", (await s.getCall("c2"))!);
    await s.indexUserCall("u2", (await s.getCall("c4"))!);
    await s.indexUserCall("u2", (await s.getCall("c4"))!); // idempotent

    assert.deepEqual(callIds(await s.listUserCalls("u1", { limit: 10 })), ["c4", "c3b", "c3a", "c2", "c1"]);
    assert.deepEqual(callIds(await s.listUserCalls("u1", { limit: 2 })), ["c4", "c3b"]);
    assert.deepEqual(callIds(await s.listUserCalls("u1", { limit: 10, before: 3000 })), ["c2", "c1"]);
    assert.deepEqual(callIds(await s.listUserCalls("u1", { limit: 1, before: 3001 })), ["c3b"]);
    assert.deepEqual(callIds(await s.listUserCalls("u1", { limit: 10, before: 1000 })), []);
    assert.deepEqual(callIds(await s.listUserCalls("u2", { limit: 10 })), ["c4", "c2"]);
    assert.deepEqual(callIds(await s.listUserCalls("u9", { limit: 10 })), ["x"]);

    // Paging with `before` = the last page's oldest createdAt walks the distinct times.
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await s.listUserCalls("u2", { limit: 1, before });
      if (page.length === 0) break;
      seen.push(...callIds(page));
      before = page.at(-1)!.createdAt;
    }
    assert.deepEqual(seen, ["c4", "c2"]);

    // History returns the current record, not the one at indexing time.
    await s.updateCall("c4", (c) => ({ ...c, status: "ended", endedAt: 5000 }));
    assert.equal((await s.listUserCalls("u2", { limit: 1 }))[0].status, "ended");

    // updateCall indexes a user along with a change it makes, and only then.
    assert.deepEqual(await s.updateCall("c1", () => null, { indexUser: "u7" }), {
      call: await s.getCall("c1"),
      changed: false,
    });
    assert.deepEqual(await s.listUserCalls("u7", { limit: 10 }), []);
    await s.updateCall("c1", (c) => ({ ...c, ringing: { to: "u7", since: 1 } }), { indexUser: "u7" });
    assert.deepEqual(callIds(await s.listUserCalls("u7", { limit: 10 })), ["c1"]);
  },

  "annotations: upsert keeps first position, count, delete, clear": async ({ open }) => {
    const s = await open();
    assert.deepEqual(await s.listAnnotations("c"), []);
    assert.equal(await s.countAnnotations("c"), 0);
    assert.equal(await s.deleteAnnotation("c", "a"), false, "deleting a missing annotation");

    await s.putAnnotation("c", ann("a"));
    await s.putAnnotation("c", ann("b"));
    await s.putAnnotation("c", ann("c"));
    assert.equal(await s.countAnnotations("c"), 3);
    await s.putAnnotation("c", ann("b", "edited"));
    assert.equal(await s.countAnnotations("c"), 3, "an upsert does not count twice");
    await s.putAnnotation("other-call", ann("a"));
    assert.equal(await s.countAnnotations("other-call"), 1, "counts are per call");

    const list = await s.listAnnotations("c");
    assert.deepEqual(ids(list), ["a", "b", "c"], "the edited one keeps its place");
    assert.equal(list[1].text, "edited");
    assert.deepEqual(list[0], ann("a"));

    assert.equal(await s.deleteAnnotation("c", "b"), true);
    assert.equal(await s.deleteAnnotation("c", "b"), false);
    assert.equal(await s.countAnnotations("c"), 2);
    await s.putAnnotation("c", ann("b"));
    assert.equal(await s.countAnnotations("c"), 3);
    assert.deepEqual(ids(await s.listAnnotations("c")), ["a", "c", "b"], "re-added after delete goes last");

    await s.clearAnnotations("c");
    assert.deepEqual(await s.listAnnotations("c"), []);
    assert.equal(await s.countAnnotations("c"), 0);
    await s.putAnnotation("c", ann("z"));
    assert.equal(await s.countAnnotations("c"), 1, "counting restarts after clear");
    assert.deepEqual(ids(await s.listAnnotations("other-call")), ["a"], "clear is per call");
    await s.clearAnnotations("never-had-any");
  },

  "annotations: insertion order holds past a hundred entries": async ({ open }) => {
    const s = await open();
    // Ids whose lexical order differs from insertion order.
    const order = Array.from({ length: 150 }, (_, i) => `k${(i * 37) % 150}`);
    for (const id of order) await s.putAnnotation("c", ann(id));
    assert.deepEqual(ids(await s.listAnnotations("c")), order);
  },

  "annotations: concurrent puts and updates from two nodes: none lost, updates keep their place": async (
    { open },
  ) => {
    const a = await open();
    const b = await open();
    await a.putAnnotation("c", ann("first"));
    await Promise.all([
      ...Array.from(
        { length: 20 },
        (_, i) => [a.putAnnotation("c", ann(`a${i}`)), b.putAnnotation("c", ann(`b${i}`))],
      )
        .flat(),
      a.putAnnotation("c", ann("first", "edited by a")),
      b.putAnnotation("c", ann("first", "edited by b")),
    ]);
    assert.equal(await b.countAnnotations("c"), 41);
    const list = await a.listAnnotations("c");
    assert.equal(new Set(ids(list)).size, 41);
    assert.equal(list[0].id, "first", "concurrent updates kept the first position");
    assert.match(list[0].text, /^edited by [ab]$/);
  },

  "chat: listed by time then id, per call": async ({ open }) => {
    const s = await open();
    assert.deepEqual(await s.listChat("c"), []);
    await s.addChat("c", chat("m3", 3000));
    await s.addChat("c", chat("m1", 1000));
    await s.addChat("c", chat("m2b", 2000));
    await s.addChat("c", chat("m2a", 2000));
    await s.addChat("d", chat("other", 500));
    assert.deepEqual(await s.listChat("c"), [
      chat("m1", 1000),
      chat("m2a", 2000),
      chat("m2b", 2000),
      chat("m3", 3000),
    ]);
    assert.deepEqual(ids(await (await open()).listChat("d")), ["other"]);
  },

  "tokens: revocation is shared and lasts until the token's expiry": async ({ open }) => {
    const a = await open();
    const b = await open();
    assert.equal(await a.isTokenRevoked("jti-1"), false);
    await a.revokeToken("jti-1", Date.now() + 60_000);
    await a.revokeToken("jti-past", Date.now() - 5_000); // kept for the 1 s minimum
    assert.equal(await b.isTokenRevoked("jti-1"), true, "revocation seen by another node");
    assert.equal(await b.isTokenRevoked("jti-past"), true);
    assert.equal(await b.isTokenRevoked("jti-2"), false);
    // Deno KV deletes expired keys lazily, so only the Redis test below checks the removal.
  },

  "meta: getOrSetMeta keeps the first value, also under a race": async ({ open }) => {
    const a = await open();
    const b = await open();
    assert.equal(await a.getOrSetMeta("secret", "first"), "first");
    assert.equal(await a.getOrSetMeta("secret", "second"), "first");
    assert.equal(await b.getOrSetMeta("secret", "third"), "first");
    const raced = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).getOrSetMeta("raced", `v${i}`)),
    );
    assert.equal(new Set(raced).size, 1, `one winner, got ${raced}`);
  },

  "meta: getMeta reads what setMeta wrote, seen by another node; absent is null": async ({ open }) => {
    const a = await open();
    const b = await open();
    assert.equal(await a.getMeta("schema"), null);
    await a.setMeta("schema", "1");
    assert.equal(await b.getMeta("schema"), "1");
    await b.setMeta("schema", "2");
    assert.equal(await a.getMeta("schema"), "2");
  },

  "durability: data is there after reopening the store": async ({ open }) => {
    const s = await open();
    await s.createUser(user("dana"));
    await s.createCall(call("c", "id-dana", 1000));
    await s.putAnnotation("c", ann("a"));
    await s.addChat("c", chat("m", 1000));
    await s.getOrSetMeta("k", "v");
    await s.close();
    const again = await open();
    assert.equal((await again.getUserById("id-dana"))?.username, "dana");
    assert.deepEqual(callIds(await again.listUserCalls("id-dana", { limit: 5 })), ["c"]);
    assert.deepEqual(ids(await again.listAnnotations("c")), ["a"]);
    assert.deepEqual(ids(await again.listChat("c")), ["m"]);
    assert.equal(await again.getOrSetMeta("k", "other"), "v");
  },

  "ping: resolves while open, rejects after close": async ({ open }) => {
    const s = await open();
    await s.ping();
    await s.close();
    await assert.rejects(() => s.ping());
  },
};

/** Runs every case as a step; `backing` makes a fresh dataset and returns its opener and cleanup. */
async function runContract(
  t: Deno.TestContext,
  backing: () => Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>,
) {
  for (const [name, run] of Object.entries(cases)) {
    await t.step(name, async () => {
      const { open, cleanup } = await backing();
      const opened: Store[] = [];
      try {
        await run({
          open: async () => {
            const s = await open();
            opened.push(s);
            return s;
          },
        });
      } finally {
        for (const s of opened) {
          try {
            await s.close();
          } catch { /* a case may have closed it already */ }
        }
        await cleanup();
      }
    });
  }
}

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
