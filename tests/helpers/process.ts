/**
 * A real MobiMaint process: `deno run -A main.ts` on a free port with its own
 * data dir. For tests that need signals (SIGTERM, SIGKILL), the process's own
 * RSS, or a server that does not share the test's event loop.
 */
import { SERVER_ENV, serverV8Arg } from "../../server/runtime_flags.ts";
import { ADMIN_PASSWORD } from "./server.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const LISTENING = /MobiMaint on http:\/\/localhost:(\d+)/;

export interface ServerProcess {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit status once the process ended. */
  exited: Promise<Deno.CommandStatus>;
  kill(signal: Deno.Signal): void;
  /** Resident set size from /proc/PID/status (VmRSS), bytes. */
  rss(): Promise<number>;
  /** SIGTERM, then SIGKILL if still alive after `ms`; resolves with the status. */
  stop(ms?: number): Promise<Deno.CommandStatus>;
}

/** Starts the server process; `env` overrides the test defaults (port 0, demo users, quiet logs). */
export async function startServerProcess(
  env: Record<string, string> = {},
  dataDir?: string,
  startupMs = 30_000,
): Promise<ServerProcess> {
  const dir = dataDir ?? await Deno.makeTempDir({ prefix: "mobimaint-proc-" });
  const child = new Deno.Command(Deno.execPath(), {
    // --expose-gc: SIGUSR2 then runs a full GC (main.ts), for memory comparisons free of GC timing.
    args: ["run", "-A", serverV8Arg, "--v8-flags=--expose-gc", MAIN],
    cwd: ROOT,
    env: {
      ...SERVER_ENV,
      PORT: "0",
      HOST: "127.0.0.1",
      MOBIMAINT_DATA_DIR: dir,
      MOBIMAINT_DEMO: "1",
      MOBIMAINT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MOBIMAINT_LOG_LEVEL: "warn",
      MOBIMAINT_STUN_URLS: "stun:stun.example.test:3478",
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let text = "";
  let portFound: (port: number) => void;
  const portPromise = new Promise<number>((resolve) => (portFound = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const m = text.match(LISTENING);
      if (m) portFound(Number(m[1]));
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumps;
    return status;
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const port = await Promise.race([
    portPromise,
    exited.then((s) => {
      throw new Error(`server process exited (${s.code}) before listening:\n${text}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`server did not start in ${startupMs} ms:\n${text}`)),
        startupMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));

  const alive = () => {
    try {
      Deno.readTextFileSync(`/proc/${child.pid}/status`);
      return true;
    } catch {
      return false;
    }
  };
  return {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir: dir,
    output: () => text,
    exited,
    kill: (signal) => {
      if (alive()) child.kill(signal);
    },
    rss: async () => {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      const kb = status.match(/^VmRSS:\s+(\d+) kB/m);
      if (!kb) throw new Error("no VmRSS in /proc status");
      return Number(kb[1]) * 1024;
    },
    stop: async (ms = 10_000) => {
      if (alive()) child.kill("SIGTERM");
      const t = setTimeout(() => alive() && child.kill("SIGKILL"), ms);
      const status = await exited;
      clearTimeout(t);
      return status;
    },
  };
}
