/** Whether the Redis server's persistence settings keep every acknowledged write through a crash. */
import type { Redis } from "ioredis";

/**
 * Why acknowledged writes could be lost in a Redis crash with the server's
 * current settings, or null when the append-only file is on and fsynced.
 */
export async function persistenceWarning(redis: Redis): Promise<string | null> {
  let settings: Record<string, string>;
  try {
    const flat = [
      ...await redis.config("GET", "appendonly") as string[],
      ...await redis.config("GET", "appendfsync") as string[],
    ];
    settings = Object.fromEntries(
      Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]),
    );
  } catch {
    return "cannot read the Redis persistence settings (CONFIG GET refused); make sure appendonly is yes";
  }
  if (settings.appendonly !== "yes") {
    return "Redis appendonly is off: a Redis crash loses writes since the last snapshot; " +
      "set appendonly yes with appendfsync everysec or always";
  }
  if (settings.appendfsync === "no") {
    return "Redis appendfsync is no: the OS decides when writes reach the disk; use everysec or always";
  }
  return null;
}
