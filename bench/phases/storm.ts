/** Connection storm: N clients connect over websocket with their token and register (in a crowd process). */
import type { PresenceMode } from "../clients.ts";
import { startCrowd } from "../crowd_process.ts";
import type { BenchUser } from "../provision.ts";
import { type ServerProcess } from "../server_process.ts";
import { sleep, summarize } from "../stats.ts";

export async function storm(server: ServerProcess, users: BenchUser[], presence: PresenceMode) {
  const rssIdle = await server.rssKiB();
  const crowd = await startCrowd(server.url, users, presence);
  await sleep(500); // let coalesced presence go out before measuring memory
  const rssConnected = await server.rssKiB();
  await crowd.stop();
  return {
    clients: users.length,
    totalMs: Math.round(crowd.totalMs),
    perConnect: summarize(crowd.connectMs),
    rssIdleKiB: rssIdle,
    rssConnectedKiB: rssConnected,
    kibPerClient: Math.round(((rssConnected - rssIdle) / users.length) * 10) / 10,
  };
}
