/**
 * Redis store: the multi-node backend (selected by MOBIMAINT_REDIS_URL).
 *
 * Atomicity: every multi-key write is one Lua script or one MULTI/EXEC, so
 * nodes sharing the Redis never see half a change. `updateCall` is optimistic:
 * read, apply the change in JS, then a compare-and-set script writes only if
 * the stored JSON is still the one read, else it re-reads and retries. This
 * works on one shared, pipelined connection (WATCH would need one connection
 * per concurrent update).
 *
 * Durability: a write resolves when Redis has applied it; whether it survives
 * a Redis crash depends on the server's persistence settings. Recommended:
 * `appendonly yes` with `appendfsync always` (each write is fsynced before
 * Redis replies: nothing acknowledged is lost) or `appendfsync everysec`
 * (faster; a crash can lose up to about one second of writes). RDB snapshots
 * alone (`save ...`) can lose minutes and are not enough. The tests run
 * redis-server with `--appendonly yes --appendfsync always --save ""`.
 *
 * All keys share one hash tag (`{mobimaint}` by default) so the multi-key
 * scripts stay valid on a Redis Cluster (all keys then live in one slot).
 */
import type { Redis } from "ioredis";
import { connectRedis } from "./redis_connect.ts";
import type { Annotation, CallRecord, ChatMessage } from "../../lib/types.ts";
import type { HistoryPage, Store, UserRecord } from "./store.ts";
import { persistenceWarning } from "./redis_persistence.ts";
import { type ScriptClient, SCRIPTS } from "./redis_scripts.ts";

export interface RedisStoreOptions {
  /** Prefix of every key; keep a `{hash tag}` in it for Redis Cluster. */
  prefix?: string;
}

export class RedisStore implements Store {
  readonly kind = "redis" as const;

  private constructor(
    private readonly redis: ScriptClient,
    private readonly prefix: string,
  ) {}

  /** Connects to `url` (see connectRedis); rejects when Redis cannot be reached. */
  static async open(url: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const redis = await connectRedis(url, SCRIPTS);
    return new RedisStore(redis as ScriptClient, opts.prefix ?? "{mobimaint}:");
  }

  /** The store's connection, for other cluster-wide state kept in the same Redis (login limits). */
  get connection(): Redis {
    return this.redis;
  }

  private key = {
    users: () => `${this.prefix}users`,
    userIds: () => `${this.prefix}user_ids`,
    calls: () => `${this.prefix}calls`,
    openCalls: () => `${this.prefix}open_calls`,
    userCalls: (userId: string) => `${this.prefix}user_calls:${userId}`,
    annotations: (callId: string) => `${this.prefix}ann:${callId}`,
    annotationOrder: (callId: string) => `${this.prefix}ann_order:${callId}`,
    chat: (callId: string) => `${this.prefix}chat:${callId}`,
    chatOrder: (callId: string) => `${this.prefix}chat_order:${callId}`,
    revoked: (jti: string) => `${this.prefix}revoked:${jti}`,
    meta: (key: string) => `${this.prefix}meta:${key}`,
  };

  async getUserByName(username: string) {
    return parse<UserRecord>(await this.redis.hget(this.key.users(), username));
  }

  async getUserById(id: string) {
    const json = await this.redis.getUserById(this.key.users(), this.key.userIds(), id);
    return parse<UserRecord>(json as string | null);
  }

  async listUsers() {
    const all = (await this.redis.hvals(this.key.users())).map((j) => JSON.parse(j) as UserRecord);
    // Same order as the KV store (keys sorted by username).
    return all.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  }

  async createUser(user: UserRecord) {
    const r = await this.redis.createUser(
      this.key.users(),
      this.key.userIds(),
      user.username,
      user.id,
      JSON.stringify(user),
    );
    return r === 1;
  }

  async updateUser(user: UserRecord) {
    await this.redis.hset(this.key.users(), user.username, JSON.stringify(user));
  }

  async deleteUser(username: string) {
    return (await this.redis.deleteUser(this.key.users(), this.key.userIds(), username)) === 1;
  }

  async getCall(callId: string) {
    return parse<CallRecord>(await this.redis.hget(this.key.calls(), callId));
  }

  async createCall(call: CallRecord) {
    const r = await this.redis.createCall(
      this.key.calls(),
      this.key.userCalls(call.createdBy),
      this.key.openCalls(),
      call.callId,
      call.createdAt,
      JSON.stringify(call),
      isOpen(call),
    );
    if (r !== 1) throw new Error(`call ${call.callId} already exists`);
  }

  async updateCall(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts: { indexUser?: string } = {},
  ) {
    for (;;) {
      const raw = await this.redis.hget(this.key.calls(), callId);
      if (raw === null) return null;
      const next = change(JSON.parse(raw));
      if (!next) return { call: JSON.parse(raw) as CallRecord, changed: false };
      const json = JSON.stringify(next);
      if (
        await this.redis.casCall(this.key.calls(), this.key.openCalls(), callId, raw, json, isOpen(next)) ===
          1
      ) {
        if (opts.indexUser) await this.indexUserCall(opts.indexUser, next);
        return { call: JSON.parse(json) as CallRecord, changed: true };
      }
    }
  }

  async listCalls() {
    const all = (await this.redis.hvals(this.key.calls())).map((j) => JSON.parse(j) as CallRecord);
    return all.sort(byCallId);
  }

  async listOpenCalls() {
    const rows = await this.redis.listOpenCalls(this.key.calls(), this.key.openCalls()) as string[];
    return rows.map((r) => JSON.parse(r) as CallRecord).filter((c) => c.status !== "ended").sort(byCallId);
  }

  async indexUserCall(userId: string, call: CallRecord) {
    await this.redis.zadd(this.key.userCalls(userId), call.createdAt, call.callId);
  }

  async listUserCalls(userId: string, page: HistoryPage) {
    // Score = createdAt, ties ordered by callId: newest first like the KV key order, reversed.
    const max = page.before === undefined ? "+inf" : `(${page.before}`;
    const ids = await this.redis.zrevrangebyscore(
      this.key.userCalls(userId),
      max,
      "-inf",
      "LIMIT",
      0,
      page.limit,
    );
    if (ids.length === 0) return [];
    const rows = await this.redis.hmget(this.key.calls(), ...ids);
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CallRecord);
  }

  async putAnnotation(callId: string, annotation: Annotation) {
    await this.putAnnotationWithin(callId, annotation, -1);
  }

  async putAnnotationWithin(callId: string, annotation: Annotation, limit: number) {
    const stored = await this.redis.putOrdered(
      this.key.annotations(callId),
      this.key.annotationOrder(callId),
      annotation.id,
      JSON.stringify(annotation),
      String(limit),
    );
    return stored === 1;
  }

  countAnnotations(callId: string) {
    return this.redis.hlen(this.key.annotations(callId));
  }

  async deleteAnnotation(callId: string, id: string) {
    const r = await this.redis.multi()
      .hdel(this.key.annotations(callId), id)
      .zrem(this.key.annotationOrder(callId), id)
      .exec();
    return execResult(r, 0) === 1;
  }

  async clearAnnotations(callId: string) {
    await this.redis.del(this.key.annotations(callId), this.key.annotationOrder(callId));
  }

  listAnnotations(callId: string) {
    return this.listOrdered<Annotation>(this.key.annotations(callId), this.key.annotationOrder(callId));
  }

  /** The JSON values of hash `values`, in the order of sorted set `order`. */
  private async listOrdered<T>(values: string, order: string): Promise<T[]> {
    const rows = await this.redis.listOrdered(values, order) as string[];
    return rows.map((r) => JSON.parse(r) as T);
  }

  async addChat(callId: string, message: ChatMessage) {
    // Ordered by time, then id (as the KV store's keys are).
    const r = await this.redis.multi()
      .zadd(this.key.chatOrder(callId), message.at, message.id)
      .hset(this.key.chat(callId), message.id, JSON.stringify(message))
      .exec();
    execResult(r, 1);
  }

  listChat(callId: string) {
    return this.listOrdered<ChatMessage>(this.key.chat(callId), this.key.chatOrder(callId));
  }

  async revokeToken(jti: string, expiresAtMs: number) {
    await this.redis.set(this.key.revoked(jti), "1", "PX", Math.max(1000, expiresAtMs - Date.now()));
  }

  async isTokenRevoked(jti: string) {
    return (await this.redis.exists(this.key.revoked(jti))) === 1;
  }

  async getOrSetMeta(key: string, value: string) {
    // SET NX GET (Redis ≥ 7.0): returns the previous value, or nil when this call set it.
    const previous = await this.redis.set(this.key.meta(key), value, "NX", "GET");
    return previous ?? value;
  }

  getMeta(key: string) {
    return this.redis.get(this.key.meta(key));
  }

  async setMeta(key: string, value: string) {
    await this.redis.set(this.key.meta(key), value);
  }

  /**
   * Why acknowledged writes could be lost in a Redis crash with the server's
   * current settings, or null when the append-only file is on and fsynced.
   */
  persistenceWarning(): Promise<string | null> {
    return persistenceWarning(this.redis);
  }

  async ping() {
    if (this.redis.status !== "ready") throw new Error(`Redis connection is ${this.redis.status}`);
    await this.redis.ping();
  }

  async close() {
    if (this.redis.status === "end") return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

const isOpen = (call: CallRecord) => (call.status === "ended" ? 0 : 1);

const byCallId = (a: CallRecord, b: CallRecord) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0);

function parse<T>(json: string | null): T | null {
  return json === null ? null : JSON.parse(json) as T;
}

/** The reply of command `i` of a MULTI/EXEC; throws when EXEC or any of its commands failed. */
function execResult(r: [Error | null, unknown][] | null, i: number): unknown {
  if (!r) throw new Error("Redis transaction aborted");
  for (const [err] of r) if (err) throw err;
  return r[i][1];
}
