/**
 * Store contract cases for users, calls (updates and races between two nodes, open calls) and
 * call history.
 */
import assert from "node:assert/strict";
import type { Store } from "../../server/store/store.ts";
import { call, callIds, type Case, user } from "./store_fixtures.ts";

export const recordsCases: Record<string, Case> = {
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
};
