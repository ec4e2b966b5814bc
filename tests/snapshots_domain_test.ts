/**
 * SnapshotService over a real Deno KV record store and each real blob backend (files, Redis): image
 * checks (types, magic bytes, size, dimensions), the per-call limit, who may add and read, freeze state
 * in the call record, and the retention sweep driven by an injected clock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../fresh.config.ts";
import type { CallRecord, Role } from "../lib/types.ts";
import type { Identity } from "../server/auth/tokens.ts";
import { CallService } from "../server/domain/calls.ts";
import { systemClock } from "../server/domain/clock.ts";
import { AppError } from "../server/domain/errors.ts";
import { Presence } from "../server/domain/presence.ts";
import { SnapshotService } from "../server/domain/snapshots.ts";
import type { BlobStore } from "../server/store/blobs.ts";
import { FsBlobStore } from "../server/store/blobs_fs.ts";
import { RedisBlobStore } from "../server/store/blobs_redis.ts";
import { KvStore } from "../server/store/kv.ts";
import { gif, jpeg, png, webp } from "./helpers/images.ts";
import { startTestRedis } from "./helpers/redis.ts";

const who = (userId: string, role: Role): Identity => ({
  userId,
  username: userId,
  key: `key-${userId}`,
  since: 0,
  role,
  jti: "j",
  exp: 0,
});
const tech = who("user1", "Technician"), expert = who("user2", "Expert");
const stranger = who("user3", "Expert"), admin = who("admin", "Admin");
const DAY = 86_400_000;

const activeCall = (callId: string): CallRecord => ({
  callId,
  createdBy: "user1",
  status: "active",
  createdAt: 1000,
  startTime: 2000,
  participants: [
    { userId: "user1", username: "user1", role: "Technician", present: true },
    { userId: "user2", username: "user2", role: "Expert", present: true },
  ],
  timeline: [{ at: 1000, type: "created", userId: "user1" }],
});

async function rejects(p: Promise<unknown>, status: number, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.status, status, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function scenario(blobs: BlobStore) {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-snapdomain-" });
  const store = await KvStore.open(join(dir, "kv"));
  const calls = new CallService(store, new Presence(), 0);
  const config = loadConfig({
    MOBIMAINT_LIMIT_SNAPSHOTS: "3",
    MOBIMAINT_LIMIT_SNAPSHOT_BYTES: "200000",
    MOBIMAINT_LIMIT_SNAPSHOT_SIDE: "1000",
  });
  let now = 10_000;
  const service = new SnapshotService(blobs, store, calls, config.limits, 7, {
    ...systemClock,
    now: () => now,
  });
  const added: string[] = [];
  service.subscribe({ added: (i) => added.push(i.id) });
  await store.createCall(activeCall("c1"));
  return {
    service,
    store,
    setNow: (t: number) => (now = t),
    added,
    close: async () => {
      await blobs.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function run(blobs: BlobStore) {
  const s = await scenario(blobs);
  try {
    const { service } = s;
    // Every accepted type, with the dimensions read from the header.
    const a = await service.add(tech, "c1", "image/png", png(320, 240));
    assert.deepEqual([a.type, a.width, a.height, a.from], ["image/png", 320, 240, "user1"]);
    assert.equal(a.url, `/api/calls/c1/snapshots/${a.id}`);
    const b = await service.add(expert, "c1", "image/jpeg", await jpeg());
    assert.deepEqual([b.width, b.height], [64, 48]);
    assert.deepEqual(s.added, [a.id, b.id], "announced once each");

    // Wrong types: magic bytes must match the declared type; only JPEG/PNG/WebP.
    await rejects(service.add(tech, "c1", "image/png", await jpeg()), 415, /is jpg, not image\/png/);
    await rejects(service.add(tech, "c1", "image/webp", await gif()), 415);
    await rejects(service.add(tech, "c1", "image/jpeg", new TextEncoder().encode("<svg></svg>")), 415);
    await rejects(service.add(tech, "c1", "image/png", new Uint8Array()), 400);
    // Limits: bytes per image, pixels per side, images per call.
    await rejects(service.add(tech, "c1", "image/png", new Uint8Array(200_001)), 413);
    await rejects(service.add(tech, "c1", "image/png", png(1001, 2)), 422, /at most 1000 pixels per side/);
    const c = await service.add(tech, "c1", "image/webp", await webp());
    await rejects(service.add(tech, "c1", "image/png", png(2, 2)), 422, /at most 3 snapshots/);
    assert.deepEqual((await service.list("c1")).map((x) => x.id), [a.id, b.id, c.id]);

    // Who: participants add; strangers and Admins do not; everyone but strangers reads.
    await rejects(service.add(stranger, "c1", "image/png", png(2, 2)), 403);
    await rejects(service.add(admin, "c1", "image/png", png(2, 2)), 403);
    await rejects(service.add(tech, "missing", "image/png", png(2, 2)), 404);
    assert.deepEqual((await service.get(admin, "c1", a.id)).bytes, png(320, 240));
    assert.deepEqual((await service.get(expert, "c1", a.id)).meta.width, 320);
    await rejects(service.get(stranger, "c1", a.id), 403);
    await rejects(service.get(tech, "c1", "snap_missing"), 404);
    await rejects(service.get(tech, "missing", a.id), 404);

    // Freeze is kept in the call record; unfreeze removes it.
    const frame = await service.freeze(expert, "c1", a.id);
    assert.deepEqual((await s.store.getCall("c1"))?.frozen, frame);
    assert.deepEqual([frame.width, frame.height, frame.from], [320, 240, "user2"]);
    await rejects(service.freeze(expert, "c1", "snap_missing"), 404);
    await rejects(service.freeze(stranger, "c1", a.id), 403);
    await service.unfreeze(tech, "c1");
    assert.equal((await s.store.getCall("c1"))?.frozen, undefined);

    // An ended call takes no new snapshots but keeps its images until the retention period is over.
    await s.store.updateCall("c1", (call) => ({ ...call, status: "ended", endedAt: 20_000 }));
    await rejects(service.add(tech, "c1", "image/png", png(2, 2)), 409);
    s.setNow(20_000 + 7 * DAY - 1);
    assert.deepEqual(await service.sweep(), []);
    assert.equal((await service.get(tech, "c1", a.id)).meta.id, a.id);
    s.setNow(20_000 + 7 * DAY);
    assert.deepEqual(await service.sweep(), ["c1"]);
    await rejects(service.get(tech, "c1", a.id), 404);
    assert.deepEqual(await service.list("c1"), []);
    assert.equal((await s.store.getCall("c1"))?.timeline.at(-1)?.type, "snapshots-removed");
    assert.deepEqual(await service.sweep(), [], "nothing left to remove");
  } finally {
    await s.close();
  }
}

Deno.test("snapshots domain: files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-blobs-" });
  try {
    await run(await FsBlobStore.open(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshots domain: Redis", async () => {
  const redis = await startTestRedis();
  try {
    await run(await RedisBlobStore.open(redis.url));
  } finally {
    await redis.close();
  }
});
