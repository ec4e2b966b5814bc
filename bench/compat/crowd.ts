/**
 * Old clients in a process of their own (see crowd_process.ts for MobiMaint's): reads the JSON file given as
 * argument (`url`, `users`, `width`), prints "ready", connects and registers every user when a line arrives on
 * stdin (`width` at a time), prints the time that took as JSON, and holds them until stdin closes. Each
 * device in the field parses its own presence messages; in one load process they would queue behind
 * each other and delay whatever is measured next.
 */
import { pool } from "../stats.ts";
import { type CompatUser, connectCompat } from "./workload.ts";

const { url, users, width } = JSON.parse(await Deno.readTextFile(Deno.args[0])) as {
  url: string;
  users: CompatUser[];
  width: number;
};
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
console.log("ready");
await lines.read();
const start = performance.now();
const clients = await pool(users, width, (u) => connectCompat(url, u));
console.log(JSON.stringify({ totalMs: performance.now() - start }));
while (!(await lines.read()).done) { /* hold until the parent closes stdin */ }
for (const c of clients) c.socket.close();
Deno.exit(0);
