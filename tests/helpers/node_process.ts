/**
 * Test harness: a MobiMaint node as its own process (`deno run -A main.ts`),
 * as deployed, so a test can SIGKILL it mid-call. Each node gets its own data
 * dir; nodes of one cluster share the Redis URL and the token secret.
 */
import { ADMIN_PASSWORD } from "./server.ts";

const REPO = new URL("../../", import.meta.url).pathname;

export interface NodeProcess {
  /** A name for messages (e.g. "A"). */
  name: string;
  port: number;
  url: string;
  /** Everything the node printed so far (stdout and stderr). */
  output(): string;
  /** False once the process exited. */
  alive(): boolean;
  /** SIGKILL: the process dies at once, telling nobody. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 10 s; also removes the data dir. */
  stop(): Promise<void>;
}

/** Starts a node on a free port; resolves once it printed "MobiMaint on http://localhost:PORT". */
export async function spawnNode(name: string, env: Record<string, string>): Promise<NodeProcess> {
  const dataDir = await Deno.makeTempDir({ prefix: `mobimaint-node-${name}-` });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: REPO,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      MOBIMAINT_DATA_DIR: dataDir,
      MOBIMAINT_DEMO: "1",
      MOBIMAINT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MOBIMAINT_LOG_LEVEL: "warn",
      MOBIMAINT_STUN_URLS: "stun:stun.example.test:3478",
      MOBIMAINT_PRESENCE_FLUSH_MS: "50",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let changed = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      changed();
    }
  };
  const reading = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    changed();
    return s;
  });

  const finish = async () => {
    await status;
    await reading;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };

  const deadline = Date.now() + 30_000;
  let port = 0;
  while (!port) {
    const m = text.match(/MobiMaint on http:\/\/localhost:(\d+)/);
    if (m) port = Number(m[1]);
    else if (exited || Date.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      await finish();
      throw new Error(`node ${name} did not start:\n${text.slice(-3000)}`);
    } else {
      await new Promise<void>((resolve) => {
        changed = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => text,
    alive: () => !exited,
    kill: async () => {
      if (!exited) child.kill("SIGKILL");
      await finish();
    },
    stop: async () => {
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => !exited && child.kill("SIGKILL"), 10_000);
        await status;
        clearTimeout(timer);
      }
      await finish();
    },
  };
}
