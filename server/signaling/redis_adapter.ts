/**
 * Multi-node Socket.IO: the Redis Streams adapter makes rooms, broadcasts,
 * fetchSockets and connection state recovery span every node that shares
 * the Redis (MOBIMAINT_REDIS_URL). Recovered sessions get the missed packets
 * except media negotiation, as with the single-node RecoveryAdapter.
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import { NOT_REPLAYED } from "./recovery_adapter.ts";
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
  const make = createAdapter(client, {
    streamName: "{mobimaint}:socket.io",
    sessionKeyPrefix: "{mobimaint}:sio:session:",
  });
  // As on a single node (recovery_adapter.ts): a recovered session does not get stale media negotiation.
  // Socket.IO calls it with `new`: a plain function that returns the adapter, like createAdapter's.
  const adapter = function (nsp: unknown) {
    const a = make(nsp);
    const restore = a.restoreSession.bind(a);
    a.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (session) {
        session.missedPackets = session.missedPackets.filter((p) => !NOT_REPLAYED.has(p[0] as string));
      }
      return session;
    };
    return a;
  };
  io.adapter(adapter as unknown as Parameters<IoServer["adapter"]>[0]);
  return async () => {
    for (const d of duplicates) d.disconnect();
    await client.quit().catch(() => client.disconnect());
  };
}
