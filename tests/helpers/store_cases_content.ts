/**
 * Store contract cases for a call's content (annotations, chat), token revocations, meta values,
 * durability across reopening, and ping.
 */
import assert from "node:assert/strict";
import { ann, call, callIds, type Case, chat, ids, user } from "./store_fixtures.ts";

export const contentCases: Record<string, Case> = {
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
