/** One way to open a Redis connection for the stores: settings, Lua scripts, and a clear error when down. */
import { Redis } from "ioredis";

export interface LuaScript {
  keys: number;
  lua: string;
}

/**
 * Connects to `url` (redis://[user:pass@]host:port[/db]) with `scripts` defined as commands, and resolves
 * once Redis answers; rejects (and disconnects) when it cannot be reached.
 */
export async function connectRedis(url: string, scripts: Record<string, LuaScript>): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    // While Redis is away, queued commands fail after one reconnect attempt
    // instead of hanging requests; health turns unhealthy meanwhile.
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  // Without a listener ioredis logs every reconnect error to stderr; failures
  // still reach callers as rejected commands and an unhealthy /health.
  redis.on("error", () => {});
  for (const [name, s] of Object.entries(scripts)) {
    redis.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
  }
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis: ${e instanceof Error ? e.message : e}`);
  }
  return redis;
}
