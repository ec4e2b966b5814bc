/** `deno task start` and `deno task dev` run the server with the V8 flags and environment the benchmark measured. */
import assert from "node:assert/strict";
import { SERVER_ENV, serverV8Arg } from "../server/runtime_flags.ts";

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

for (const name of ["start", "dev"]) {
  Deno.test(`deno task ${name} sets the server's environment (SERVER_ENV)`, () => {
    for (const [key, value] of Object.entries(SERVER_ENV)) {
      assert.ok(tasks[name].split(/\s+/).includes(`${key}=${value}`), `${name} lacks ${key}: ${tasks[name]}`);
    }
  });
}

/** Runs `deno task start` on a free port and an empty store; `check` gets its URL and the server's pid. */
async function withTaskStart(
  env: Record<string, string>,
  check: (url: string, pid: number) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-task-" });
  const task = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: new URL("..", import.meta.url),
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      MOBIMAINT_DATA_DIR: dir,
      MOBIMAINT_LOG_LEVEL: "warn",
      NO_COLOR: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const server = () =>
    new Deno.Command("pgrep", { args: ["-P", String(task.pid)], stdout: "piped" }).output()
      .then((o) => Number(new TextDecoder().decode(o.stdout).trim().split("\n")[0]));
  try {
    let text = "";
    const reader = task.stdout.pipeThrough(new TextDecoderStream()).getReader();
    while (!/MobiMaint on (http\S+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`deno task start ended: ${text}`);
      text += value;
    }
    reader.releaseLock();
    task.stdout.cancel().catch(() => {});
    await check(/MobiMaint on (http\S+)/.exec(text)![1], await server());
  } finally {
    const pid = await server().catch(() => 0);
    if (pid) Deno.kill(pid, "SIGTERM");
    await task.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const demoLogin = (url: string) =>
  fetch(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "user1", password: "P" }),
  }).then(async (r) => (await r.body?.cancel(), r.status));

Deno.test("deno task start seeds the demo users, runs with SERVER_ENV, and MOBIMAINT_DEMO=0 turns the demo off", async () => {
  await withTaskStart({}, async (url, pid) => {
    assert.equal(await demoLogin(url), 200, "the demo technician signs in");
    const environ = (await Deno.readTextFile(`/proc/${pid}/environ`)).split("\0");
    for (const [key, value] of Object.entries(SERVER_ENV)) {
      assert.ok(environ.includes(`${key}=${value}`), key);
    }
  });
  await withTaskStart({ MOBIMAINT_DEMO: "0" }, async (url) => {
    assert.equal(await demoLogin(url), 401, "no demo users when MOBIMAINT_DEMO=0");
  });
});
