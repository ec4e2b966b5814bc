/**
 * The idle crowd of the steady-state phases, in its own process: it connects
 * the users listed in the JSON file given as argument, prints "ready", and
 * holds them until its stdin closes. Keeping thousands of idle clients out of
 * the measuring process keeps that process's pauses out of the latencies.
 */
import { connectAll, disconnectAll, type PresenceMode } from "./clients.ts";
import type { BenchUser } from "./provision.ts";

const { url, users, presence } = JSON.parse(await Deno.readTextFile(Deno.args[0])) as {
  url: string;
  users: BenchUser[];
  presence: PresenceMode;
};
const { clients } = await connectAll(url, users, presence);
console.log(`ready ${clients.length}`);
for await (const _ of Deno.stdin.readable) { /* hold until the parent closes stdin */ }
await disconnectAll(clients);
Deno.exit(0);
