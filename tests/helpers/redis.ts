/**
 * Test harness: a real `redis-server` on a free loopback port with its own
 * temp dir, append-only file on and fsync on every write (the settings the
 * Redis store recommends), RDB snapshots off. `stop()` then `start()` again
 * restarts it on the same port and dir, so persisted data comes back.
 */

import { Redis } from "ioredis";
import { startTestServer, type TestServer } from "./server.ts";
export const REDIS_SERVER = "/usr/bin/redis-server";

export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** Starts (again) on the same port and dir; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Stops the server and removes its dir. */
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** True when something on `port` answers a RESP `PING` with `+PONG`. */
async function answersPing(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** `extraArgs` are appended to the defaults (a later setting wins), e.g. `["--appendonly", "no"]`. */
export async function startTestRedis(extraArgs: string[] = []): Promise<TestRedis> {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-redis-" });
  let port = freePort();
  let child: Deno.ChildProcess | undefined;
  let exited: Promise<Deno.CommandStatus> | undefined;

  const spawn = () => {
    const cmd = new Deno.Command(REDIS_SERVER, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--daemonize",
        "no",
        "--logfile",
        "redis.log",
        ...extraArgs,
      ],
      stdout: "null",
      stderr: "null",
    });
    child = cmd.spawn();
    exited = child.status;
  };

  const start = async () => {
    if (child) throw new Error("redis-server already running");
    for (let attempt = 0;; attempt++) {
      spawn();
      const deadline = Date.now() + 10_000;
      let exitedEarly = false;
      exited!.then(() => (exitedEarly = true));
      while (Date.now() < deadline && !exitedEarly) {
        if (await answersPing(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      const log = await Deno.readTextFile(`${dir}/redis.log`).catch(() => "");
      if (!exitedEarly) {
        child!.kill("SIGKILL");
        await exited;
      }
      child = undefined;
      // The free port may have been taken between probe and bind; retry on a fresh one
      // unless this is a restart, whose clients expect the same port.
      if (attempt < 3 && /Address already in use/.test(log) && !restarting) {
        port = freePort();
        continue;
      }
      throw new Error(`redis-server did not answer PING on port ${port}:\n${log.slice(-2000)}`);
    }
  };

  const stop = async () => {
    if (!child) return;
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child?.kill("SIGKILL");
        resolve();
      }, 10_000);
    });
    await Promise.race([exited, killed]);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  let restarting = false;
  await start();
  restarting = true;

  const handle: TestRedis = {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    dir,
    start,
    stop,
    close: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return handle;
}

/**
 * Waits until a node has stored Socket.IO session `pid` in Redis (it does so once it notices the drop);
 * a real client's reconnect delay covers that, a test has to wait for it.
 */
export async function waitForStoredSession(redisUrl: string, pid: string, ms = 3000): Promise<void> {
  const peek = new Redis(redisUrl);
  try {
    const deadline = Date.now() + ms;
    while (!(await peek.exists(`{mobimaint}:sio:session:${pid}`))) {
      if (Date.now() > deadline) throw new Error(`no node stored session ${pid} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    peek.disconnect();
  }
}

/** Two MobiMaint nodes (A and B) on one fresh redis-server; `close` stops both nodes, then Redis. */
export async function startTwoNodes(env: Record<string, string> = {}) {
  const redis = await startTestRedis();
  const nodes: TestServer[] = [];
  const close = async () => {
    for (const n of nodes) await n.close();
    await redis.close();
  };
  try {
    const nodeEnv = { MOBIMAINT_REDIS_URL: redis.url, ...env };
    nodes.push(await startTestServer(nodeEnv), await startTestServer(nodeEnv));
  } catch (e) {
    await close();
    throw e;
  }
  return { redis, a: nodes[0], b: nodes[1], close };
}
