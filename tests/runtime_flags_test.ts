/** `deno task start` and `deno task dev` run the server with the V8 flags the benchmark measured. */
import assert from "node:assert/strict";
import { serverV8Arg } from "../server/runtime_flags.ts";

const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks as Record<
  string,
  string
>;

for (const name of ["start", "dev"]) {
  Deno.test(`deno task ${name} runs main.ts with ${serverV8Arg}`, () => {
    const words = tasks[name].split(/\s+/);
    const run = words.indexOf("run");
    const main = words.indexOf("main.ts");
    assert.ok(run >= 0 && main > run, `${name}: ${tasks[name]}`);
    assert.ok(words.slice(run, main).includes(serverV8Arg), `${name} lacks ${serverV8Arg}: ${tasks[name]}`);
  });
}
