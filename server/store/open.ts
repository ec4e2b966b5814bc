/** Chooses the store from the config: Redis when MOBIMAINT_REDIS_URL is set, else embedded Deno KV. */
import { join } from "node:path";
import type { Config } from "../../fresh.config.ts";
import { KvStore } from "./kv.ts";
import { RedisStore } from "./redis.ts";
import type { Store } from "./store.ts";
import type { BlobStore } from "./blobs.ts";
import { FsBlobStore } from "./blobs_fs.ts";
import { RedisBlobStore } from "./blobs_redis.ts";

export async function openStore(config: Config): Promise<Store> {
  if (config.redisUrl) return await RedisStore.open(config.redisUrl);
  await Deno.mkdir(config.dataDir, { recursive: true });
  return await KvStore.open(join(config.dataDir, "mobimaint.kv"));
}

/** The blob store beside it: the same Redis in multi-node mode, else files under the data dir. */
export async function openBlobStore(config: Config): Promise<BlobStore> {
  if (config.redisUrl) return await RedisBlobStore.open(config.redisUrl);
  return await FsBlobStore.open(join(config.dataDir, "snapshots"));
}
