/** Chooses the store from the config: Redis when MOBIMAINT_REDIS_URL is set, else embedded Deno KV. */
import { join } from "node:path";
import type { Config } from "../../fresh.config.ts";
import { KvStore } from "./kv.ts";
import type { Store } from "./store.ts";

export async function openStore(config: Config): Promise<Store> {
  if (config.redisUrl) {
    throw new Error("Redis mode is not available yet (MOBIMAINT_REDIS_URL)");
  }
  await Deno.mkdir(config.dataDir, { recursive: true });
  return await KvStore.open(join(config.dataDir, "mobimaint.kv"));
}
