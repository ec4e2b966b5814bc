/**
 * A crowd of clients in a process of its own (see crowd_process.ts): connects the
 * users listed in the JSON file given as argument, prints one JSON line with the
 * connect timings, and holds them until its stdin closes.
 */
import { connectAll, disconnectAll, type PresenceMode } from "./clients.ts";
import type { BenchUser } from "./provision.ts";
import { now } from "./stats.ts";

const { url, users, presence } = JSON.parse(await Deno.readTextFile(Deno.args[0])) as {
  url: string;
  users: BenchUser[];
  presence: PresenceMode;
};
const start = now();
const { clients, connectMs } = await connectAll(url, users, presence);
const totalMs = now() - start;
console.log(JSON.stringify({ totalMs, connectMs }));
for await (const _ of Deno.stdin.readable) { /* hold until the parent closes stdin */ }
await disconnectAll(clients);
Deno.exit(0);
