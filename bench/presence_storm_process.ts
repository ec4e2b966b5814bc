/**
 * The presence storm's process (presence_storm.ts): reads its input file, prints "ready", and on a line from
 * stdin signs every Expert in and connects it (`width` at a time), prints the timings as JSON, and holds the
 * connections until stdin closes.
 */
import type { Socket } from "socket.io-client";
import { connectOne } from "./clients.ts";
import { connectCompat } from "./compat/workload.ts";
import type { StormClients, StormResult, StormUser } from "./presence_storm.ts";
import { now, pool } from "./stats.ts";

const { url, users, clients, width } = JSON.parse(await Deno.readTextFile(Deno.args[0])) as {
  url: string;
  users: StormUser[];
  clients: StormClients;
  width: number;
};

async function signIn(user: StormUser, loginMs: number[]): Promise<string | undefined> {
  if (!user.login) return user.token;
  const t0 = now();
  const r = await fetch(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(user.login),
  });
  const body = await r.json() as { token?: string; message?: string };
  loginMs.push(now() - t0);
  if (!r.ok) throw new Error(`login ${user.login.username}: ${r.status} ${body.message}`);
  return body.token;
}

async function arrive(user: StormUser, loginMs: number[]): Promise<Socket> {
  const token = await signIn(user, loginMs);
  if (clients === "compat") {
    return (await connectCompat(url, { name: user.name, role: "Expert", token })).socket;
  }
  const bench = {
    id: user.name,
    username: user.name,
    role: "Expert" as const,
    token: token ?? "",
    password: user.login?.password ?? "",
  };
  return (await connectOne(url, bench, "batch")).client.socket;
}

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
console.log("ready");
await lines.read();
const loginMs: number[] = [];
const start = now();
let sockets: Socket[] = [];
try {
  sockets = await pool(users, width, (u) => arrive(u, loginMs));
  console.log(
    JSON.stringify({ experts: users.length, totalMs: now() - start, loginMs } satisfies StormResult),
  );
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).message }));
}
while (!(await lines.read()).done) { /* hold until the parent closes stdin */ }
for (const s of sockets) s.close();
Deno.exit(0);
