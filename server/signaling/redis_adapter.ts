/**
 * Multi-node Socket.IO: the Redis Streams adapter makes rooms, broadcasts,
 * fetchSockets and connection state recovery span every node that shares
 * the Redis (MOBIMAINT_REDIS_URL).
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import type { IoServer } from "./types.ts";

/** Installs the adapter on `io` (before any client connects); resolves with its closer. */
export async function attachRedisAdapter(io: IoServer, url: string): Promise<() => Promise<void>> {
  const client = new Redis(url, { lazyConnect: true });
  client.on("error", () => {}); // reconnects on its own; the store's health check reports outages
  // The adapter duplicates the client for its blocking stream reads and its
  // subscriptions; keep them so closing does not wait for a 5 s XREAD to end.
  const duplicates: Redis[] = [];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis["duplicate"]>) => {
    const d = duplicate(...args);
    duplicates.push(d);
    return d;
  };
  await client.connect();
  io.adapter(createAdapter(client, {
    streamName: "{mobimaint}:socket.io",
    sessionKeyPrefix: "{mobimaint}:sio:session:",
  }));
  return async () => {
    for (const d of duplicates) d.disconnect();
    await client.quit().catch(() => client.disconnect());
  };
}
