/** Connection storm: N clients connect over websocket with their token and register. */
import { connectAll, disconnectAll, type PresenceMode } from "../clients.ts";
import type { BenchUser } from "../provision.ts";
import { type ServerProcess } from "../server_process.ts";
import { now, sleep, summarize } from "../stats.ts";

export async function storm(server: ServerProcess, users: BenchUser[], presence: PresenceMode) {
  const rssIdle = await server.rssKiB();
  const start = now();
  const { clients, connectMs } = await connectAll(server.url, users, presence);
  const totalMs = now() - start;
  await sleep(500); // let coalesced presence go out before measuring memory
  const rssConnected = await server.rssKiB();
  await disconnectAll(clients);
  return {
    clients: users.length,
    totalMs: Math.round(totalMs),
    perConnect: summarize(connectMs),
    rssIdleKiB: rssIdle,
    rssConnectedKiB: rssConnected,
    kibPerClient: Math.round(((rssConnected - rssIdle) / users.length) * 10) / 10,
  };
}
