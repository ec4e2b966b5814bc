/**
 * Upgrade from stores written by the version that put the record's hex key on the wire: on start,
 * MobiMaint rewrites every user id in calls, annotations, chat and history to the username, on Deno KV
 * and on Redis, and a second start changes nothing. Tokens issued before the upgrade keep working.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CallRecord } from "../lib/types.ts";
import { hashPassword } from "../server/auth/password.ts";
import { TokenService } from "../server/auth/tokens.ts";
import { KvStore } from "../server/store/kv.ts";
import { DELETED_USER, migrateUserIds, USER_IDS_META_KEY } from "../server/store/migrate_user_ids.ts";
import { RedisStore } from "../server/store/redis.ts";
import type { Store, UserRecord } from "../server/store/store.ts";
import { startTestRedis } from "./helpers/redis.ts";
import { ADMIN_PASSWORD, api, login, startTestServer } from "./helpers/server.ts";

const SECRET = "secret-of-the-previous-version-0123456789";
const T0 = 1_760_000_000_000;
/** Hex keys as the previous version generated them (16 hex digits). */
const HEX = {
  user1: "3f9a1c2b7d4e5f60",
  user2: "a07b3c9d1e2f4a5b",
  admin: "5c6d7e8f90a1b2c3",
  gone: "e4d3c2b1a0f9e8d7",
};

async function oldUsers(): Promise<UserRecord[]> {
  return [
    {
      id: HEX.user1,
      username: "user1",
      role: "Technician",
      passwordHash: await hashPassword("P"),
      createdAt: T0,
    },
    {
      id: HEX.user2,
      username: "user2",
      role: "Expert",
      passwordHash: await hashPassword("P"),
      createdAt: T0,
    },
    {
      id: HEX.admin,
      username: "admin",
      role: "Admin",
      passwordHash: await hashPassword(ADMIN_PASSWORD),
      createdAt: T0,
    },
  ];
}

/** A completed call user1 → user2, and a call user1 → "gone" (an Expert deleted since) that was declined. */
const completed: CallRecord = {
  callId: "call_old_completed",
  createdBy: HEX.user1,
  status: "ended",
  createdAt: T0 + 1000,
  startTime: T0 + 3000,
  endedAt: T0 + 63_000,
  endReason: "completed",
  participants: [
    {
      userId: HEX.user1,
      username: "user1",
      role: "Technician",
      joinedAt: T0 + 3100,
      leftAt: T0 + 63_000,
      present: false,
    },
    {
      userId: HEX.user2,
      username: "user2",
      role: "Expert",
      joinedAt: T0 + 3000,
      leftAt: T0 + 62_000,
      present: false,
    },
  ],
  timeline: [
    { at: T0 + 1000, type: "created", userId: HEX.user1 },
    { at: T0 + 2000, type: "ringing", userId: HEX.user2 },
    { at: T0 + 3000, type: "accepted", userId: HEX.user2 },
    { at: T0 + 3100, type: "joined", userId: HEX.user1 },
    { at: T0 + 62_000, type: "left", userId: HEX.user2 },
    { at: T0 + 63_000, type: "ended", userId: HEX.user1, detail: "completed" },
  ],
};
const declined: CallRecord = {
  callId: "call_old_declined",
  createdBy: HEX.user1,
  status: "ended",
  createdAt: T0 + 100_000,
  endedAt: T0 + 104_000,
  endReason: "rejected",
  participants: [{ userId: HEX.user1, username: "user1", role: "Technician", present: false }],
  timeline: [
    { at: T0 + 100_000, type: "created", userId: HEX.user1 },
    { at: T0 + 101_000, type: "ringing", userId: HEX.gone },
    { at: T0 + 104_000, type: "ended", userId: HEX.gone, detail: "rejected" },
  ],
};

/** Writes what the previous version wrote for these users and calls, through the same Store contract. */
async function writePreviousVersion(store: Store): Promise<string> {
  const users = await oldUsers();
  for (const u of users) assert.equal(await store.createUser(u), true);
  await store.getOrSetMeta("token-secret", SECRET);
  for (const call of [completed, declined]) await store.createCall(structuredClone(call));
  await store.indexUserCall(HEX.user2, completed);
  await store.indexUserCall(HEX.gone, declined);
  await store.putAnnotation(completed.callId, {
    id: "a1",
    text: "this valve",
    x: 0.4,
    y: 0.6,
    from: HEX.user2,
  });
  await store.putAnnotation(completed.callId, {
    id: "a2",
    text: "",
    x: 0,
    y: 0,
    from: HEX.user1,
    kind: "stroke",
    points: [[0.1, 0.1], [0.2, 0.2]],
  });
  await store.addChat(completed.callId, { id: "m1", from: HEX.user1, text: "hello", at: T0 + 4000 });
  await store.addChat(completed.callId, { id: "m2", from: HEX.user2, text: "hi", at: T0 + 5000 });
  // A token the previous version issued to user1 (subject: the hex key) before the upgrade.
  return await new TokenService(SECRET, 3600, store).issue(users[0]);
}

/** What a client sees after the upgrade: usernames everywhere, nothing lost. */
async function assertUpgraded(url: string, oldToken: string) {
  const tech = await login(url, "user1", "P");
  assert.equal(tech.userId, "user1");
  const expert = await login(url, "user2", "P");
  const admin = await login(url, "admin", ADMIN_PASSWORD);

  const history = (await api(url, "GET", "/api/history", { token: tech.token })).body.calls as CallRecord[];
  assert.deepEqual(history.map((c) => c.callId), [declined.callId, completed.callId]);
  const expertHistory = (await api(url, "GET", "/api/history", { token: expert.token })).body
    .calls as CallRecord[];
  assert.deepEqual(expertHistory.map((c) => c.callId), [completed.callId]);

  const detail = (await api(url, "GET", `/api/calls/${completed.callId}`, { token: expert.token })).body;
  assert.equal(detail.createdBy, "user1");
  assert.deepEqual(detail.participants.map((p: { userId: string }) => p.userId), ["user1", "user2"]);
  assert.deepEqual(
    detail.timeline.map((t: { userId: string }) => t.userId),
    ["user1", "user2", "user2", "user1", "user2", "user1"],
  );
  assert.deepEqual(detail.annotations.map((a: { id: string; from: string }) => [a.id, a.from]), [
    ["a1", "user2"],
    ["a2", "user1"],
  ]);
  assert.deepEqual(detail.annotations[1].points, [[0.1, 0.1], [0.2, 0.2]]);
  assert.deepEqual(
    detail.chat.map((m: { id: string; from: string; text: string }) => [m.id, m.from, m.text]),
    [
      ["m1", "user1", "hello"],
      ["m2", "user2", "hi"],
    ],
  );
  assert.equal(detail.duration, 60_000);

  // A deleted Expert who never joined is named nowhere: its key is replaced, never shown.
  const other = (await api(url, "GET", `/api/calls/${declined.callId}`, { token: admin.token })).body;
  assert.deepEqual(other.timeline.map((t: { userId: string }) => t.userId), [
    "user1",
    DELETED_USER,
    DELETED_USER,
  ]);
  const all = (await api(url, "GET", "/api/calls", { token: admin.token })).body;
  assert.deepEqual(
    all.calls.map((c: { callId: string; users: string[] }) => [c.callId, c.users]),
    [[declined.callId, ["user1"]], [completed.callId, ["user1", "user2"]]],
  );

  // A token issued before the upgrade still signs its user in, now named by username.
  const before = await api(url, "GET", "/api/history", { token: oldToken });
  assert.equal(before.status, 200);
  assert.equal(before.body.calls.length, 2);
}

async function upgradeTwice(
  t: Deno.TestContext,
  env: Record<string, string>,
  dataDir: string,
  token: string,
) {
  await t.step("first start migrates", async () => {
    const server = await startTestServer(env, dataDir);
    try {
      assert.equal(await server.deps.store.getMeta(USER_IDS_META_KEY), "username");
      await assertUpgraded(server.url, token);
    } finally {
      await server.close();
    }
  });
  await t.step("second start finds it done and changes nothing", async () => {
    const server = await startTestServer(env, dataDir);
    try {
      assert.equal(await migrateUserIds(server.deps.store), null);
      await assertUpgraded(server.url, token);
    } finally {
      await server.close();
    }
  });
}

Deno.test("upgrade of a Deno KV store written with hex user ids", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-upgrade-" });
  try {
    const old = await KvStore.open(join(dataDir, "mobimaint.kv"));
    const token = await writePreviousVersion(old);
    await old.close();
    await upgradeTwice(t, {}, dataDir, token);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("upgrade of a Redis store written with hex user ids", async (t) => {
  const redis = await startTestRedis();
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-upgrade-" });
  try {
    const old = await RedisStore.open(redis.url);
    const token = await writePreviousVersion(old);
    await old.close();
    await upgradeTwice(t, { MOBIMAINT_REDIS_URL: redis.url }, dataDir, token);
  } finally {
    await redis.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a migration interrupted half way finishes on the next run without renaming twice", async () => {
  const store = await KvStore.open(":memory:");
  try {
    await writePreviousVersion(store);
    // Half way: the first call was rewritten, then the process died before the rest and the meta flag.
    await store.updateCall(completed.callId, (c) => {
      c.createdBy = "user1";
      c.participants[0].userId = "user1";
      return c;
    });
    assert.deepEqual(await migrateUserIds(store), { calls: 2 });
    const call = (await store.getCall(completed.callId))!;
    assert.deepEqual(call.participants.map((p) => p.userId), ["user1", "user2"]);
    assert.equal(call.createdBy, "user1");
    assert.equal(await migrateUserIds(store), null);
  } finally {
    await store.close();
  }
});
