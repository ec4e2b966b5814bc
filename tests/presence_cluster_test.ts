/** Presence's multi-node bookkeeping: online is the union of this node and the others. */
import assert from "node:assert/strict";
import { Presence, type PresenceChange } from "../server/domain/presence.ts";

Deno.test("presence: union of local and remote nodes; only local changes are told", () => {
  const p = new Presence();
  const told: string[] = [];
  const replicated: PresenceChange[] = [];
  p.events.add({ changed: (u) => told.push(u), localChange: (c) => replicated.push(c) });

  assert.equal(p.applyRemote("B", { type: "online", userId: "e", online: true }), true);
  assert.equal(p.availability("e"), "available");
  assert.deepEqual(told, [], "a remote change is told by its own node, not here");
  assert.deepEqual(replicated, [], "nor sent back");

  p.setOnline("e", true); // also connected here: no visible change
  assert.deepEqual(told, []);
  assert.deepEqual(replicated, [{ type: "online", userId: "e", online: true }]);
  p.setOnline("e", false); // left here, still on B
  assert.equal(p.isOnline("e"), true);
  assert.deepEqual(told, []);

  p.setBusy("e", "c1", true);
  assert.equal(p.availability("e"), "busy");
  assert.deepEqual(told, ["e"]);
  p.setBusy("e", "c1", true); // no change, nothing sent
  assert.equal(replicated.length, 3);
  assert.equal(p.applyRemote("B", { type: "busy", userId: "e", callId: "c1", busy: false }), true);
  assert.equal(p.availability("e"), "available");

  p.setOnline("t", true);
  assert.equal(p.onlineCount(), 2);
  assert.deepEqual(p.replaceNode("B", ["x"]).sort(), ["e", "x"], "x came online on B, e left it");
  assert.equal(p.isOnline("e"), false, "B's snapshot no longer lists e");
  assert.deepEqual(p.replaceNode("B", null), ["x"], "node gone: its users are offline here");
  assert.equal(p.onlineCount(), 1);
  assert.deepEqual(p.localOnline(), ["t"]);
});
