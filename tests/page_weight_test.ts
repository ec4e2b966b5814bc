/**
 * What a phone downloads before a call can start: the home pages' scripts and every chunk they import,
 * statically or not (the call room loads while a call rings). On a 300 kbit/s link each 100 KB costs ~3 s,
 * so the total has a budget, and the validation schemas (zod), which only the server needs, stay out: one
 * value imported from lib/protocol.ts once added ~450 KB and calls over slow links no longer started.
 */
import assert from "node:assert/strict";
import { login, startTestServer } from "./helpers/server.ts";

/** Today ~150 KB (minified, before compression) for either home page. */
const BUDGET_BYTES = 220_000;

async function scriptsOf(base: string, path: string, token: string) {
  const html = await (await fetch(`${base}${path}`, { headers: { cookie: `mobimaint_session=${token}` } }))
    .text();
  const queue = [...html.matchAll(/(?:src|href)="(\/[^"]+\.js)"/g)].map((m) => m[1]);
  const sizes = new Map<string, number>();
  const zod: string[] = [];
  while (queue.length) {
    const path = queue.shift()!;
    if (sizes.has(path)) continue;
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    const body = await res.text();
    sizes.set(path, body.length);
    if (body.includes("ZodError")) zod.push(path);
    for (const m of body.matchAll(/from\s*"(\.{0,2}\/[^"]+\.js)"|import\(\s*"(\.{0,2}\/[^"]+\.js)"\s*\)/g)) {
      queue.push(new URL(m[1] ?? m[2], `${base}${path}`).pathname);
    }
  }
  return { sizes, zod, total: [...sizes.values()].reduce((a, b) => a + b, 0) };
}

Deno.test("the home pages' scripts, the call room's included, stay small and carry no schemas", async () => {
  const server = await startTestServer();
  try {
    for (const [username, sees] of [["user1", "TechnicianHome"], ["user2", "ExpertHome"]]) {
      const { token } = await login(server.url, username, "P");
      const { sizes, zod, total } = await scriptsOf(server.url, "/", token);
      assert.ok([...sizes.keys()].some((p) => p.includes(sees)), `${username}'s page loads ${sees}`);
      assert.ok(sizes.size > 3, `${username}: the chunks were followed (${sizes.size})`);
      assert.deepEqual(zod, [], `${username}: no zod in the page's scripts`);
      assert.ok(total < BUDGET_BYTES, `${username}: ${total} bytes of script, budget ${BUDGET_BYTES}`);
    }
  } finally {
    await server.close();
  }
});
