/**
 * Blob store on Redis, for several nodes: every node reaches the same images. Per call, hash
 * `snap:<callId>` maps id → meta JSON and hash `snap_data:<callId>` id → bytes; set `snap_calls` lists
 * the calls holding images. Writes are Lua scripts (atomic, count limit included). Its own connection,
 * so megabyte images never queue behind the record store's small commands. Keys share the store's
 * hash tag. Durability follows the Redis persistence settings (see redis.ts).
 */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { connectRedis } from "./redis_connect.ts";
import type { BlobMeta, BlobStore, BlobUsage } from "./blobs.ts";

const SCRIPTS = {
  /** KEYS: meta, data, calls. ARGV: id, meta json, bytes, max, callId. 0 when the call is full. */
  putBlob: {
    keys: 3,
    lua:
      `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[5])
return 1`,
  },
  /** KEYS: meta, data, calls. ARGV: callId. How many images there were. */
  deleteBlobs: {
    keys: 3,
    lua: `local n = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return n`,
  },
} as const;

type ScriptClient =
  & Redis
  & { [K in keyof typeof SCRIPTS]: (...args: (string | number | Uint8Array)[]) => Promise<number> };

export class RedisBlobStore implements BlobStore {
  readonly kind = "redis";

  private constructor(private readonly redis: ScriptClient, private readonly prefix: string) {}

  static async open(url: string, opts: { prefix?: string } = {}): Promise<RedisBlobStore> {
    const redis = await connectRedis(url, SCRIPTS);
    return new RedisBlobStore(redis as ScriptClient, opts.prefix ?? "{mobimaint}:");
  }

  private keys(callId: string): [string, string, string] {
    return [`${this.prefix}snap:${callId}`, `${this.prefix}snap_data:${callId}`, `${this.prefix}snap_calls`];
  }

  async put(meta: BlobMeta, bytes: Uint8Array, maxPerCall: number): Promise<boolean> {
    const r = await this.redis.putBlob(
      ...this.keys(meta.callId),
      meta.id,
      JSON.stringify(meta),
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      maxPerCall,
      meta.callId,
    );
    return r === 1;
  }

  async get(callId: string, id: string): Promise<{ meta: BlobMeta; bytes: Uint8Array } | null> {
    const [metaKey, dataKey] = this.keys(callId);
    const [json, data] = await Promise.all([
      this.redis.hget(metaKey, id),
      this.redis.hgetBuffer(dataKey, id),
    ]);
    if (json === null || data === null) return null;
    return { meta: JSON.parse(json), bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }

  async list(callId: string): Promise<BlobMeta[]> {
    const all = await this.redis.hvals(this.keys(callId)[0]);
    return all.map((j) => JSON.parse(j) as BlobMeta).sort((a, b) =>
      a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)
    );
  }

  async deleteCall(callId: string): Promise<number> {
    return await this.redis.deleteBlobs(...this.keys(callId), callId);
  }

  async calls(): Promise<string[]> {
    return (await this.redis.smembers(`${this.prefix}snap_calls`)).sort();
  }

  async usage(): Promise<BlobUsage> {
    const calls = await this.redis.smembers(`${this.prefix}snap_calls`);
    const pipeline = this.redis.pipeline();
    for (const callId of calls) pipeline.hvals(this.keys(callId)[0]);
    const usage: BlobUsage = { calls: 0, images: 0, bytes: 0 };
    for (const [err, metas] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      const list = (metas as string[]).map((j) => JSON.parse(j) as BlobMeta);
      if (list.length) usage.calls++;
      usage.images += list.length;
      for (const m of list) usage.bytes += m.bytes;
    }
    return usage;
  }

  async close(): Promise<void> {
    if (this.redis.status === "end") return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
