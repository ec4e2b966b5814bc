/**
 * A real coturn (`turnserver`, Debian package coturn) on loopback with a shared secret, on free ports:
 * TURN over UDP and TCP on `port`, TLS on `tlsPort` with a fresh certificate (Chromium accepts it
 * through `chromiumArgs`, a pin of its public key). `restart()` stops and starts it on the same ports.
 */
import { createSocket } from "node:dgram";
import { probeTurnUrl } from "../../server/turn/probe.ts";
import { chromiumTlsArgs, makeTestCertificates } from "./tls.ts";

export const TURNSERVER = "/usr/bin/turnserver";

export const hasCoturn: boolean = (() => {
  try {
    return Deno.statSync(TURNSERVER).isFile;
  } catch {
    console.warn(
      `coturn not found at ${TURNSERVER}: TURN tests are skipped. Install: apt-get install -y coturn`,
    );
    return false;
  }
})();

export interface Coturn {
  secret: string;
  realm: string;
  port: number;
  tlsPort: number;
  urls: { udp: string; tcp: string; tls: string };
  /** Flags that make Chromium accept this server's self-signed certificate (and only it). */
  chromiumArgs: string[];
  /** The last 64 KB coturn wrote (diagnostics). */
  output(): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port free for both TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (tcp.addr as Deno.NetAddr).port;
    const udp = createSocket("udp4");
    const free = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    tcp.close();
    if (free) await new Promise<void>((r) => udp.close(() => r()));
    if (free) return port;
  }
  throw new Error("no free port");
}

export async function startCoturn(opts: { secret?: string } = {}): Promise<Coturn> {
  const dir = await Deno.makeTempDir({ prefix: "mobimaint-coturn-" });
  const certs = await makeTestCertificates(dir);
  const secret = opts.secret ?? crypto.randomUUID();
  const realm = "mobimaint.test";
  const port = await freePort();
  const tlsPort = await freePort();
  // Relay ports from a range of its own, so parallel tests and benches don't collide.
  const minPort = 20_000 + Math.floor(Math.random() * 400) * 100;
  let log = "";
  let child: Deno.ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const launch = async () => {
    child = new Deno.Command(TURNSERVER, {
      args: [
        "-n",
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        `--listening-port=${port}`,
        `--tls-listening-port=${tlsPort}`,
        `--min-port=${minPort}`,
        `--max-port=${minPort + 99}`,
        "--use-auth-secret",
        `--static-auth-secret=${secret}`,
        `--realm=${realm}`,
        `--cert=${certs.certPath}`,
        `--pkey=${certs.keyPath}`,
        "--allow-loopback-peers",
        "--no-cli",
        "--no-dtls",
        "--log-file=stdout",
        "--simple-log",
        `--pidfile=${dir}/turnserver.pid`,
        `--userdb=${dir}/turndb`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (s: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of s) log = (log + decoder.decode(chunk, { stream: true })).slice(-65_536);
    };
    exited = Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
    const until = Date.now() + 10_000;
    for (const url of [`turn:127.0.0.1:${port}`, `turns:127.0.0.1:${tlsPort}`]) {
      while (!(await probeTurnUrl(url, 300)).reachable) {
        if (Date.now() > until) throw new Error(`coturn did not answer on ${url}:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = async () => {
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const t = setTimeout(() => {
      try {
        child?.kill("SIGKILL");
      } catch { /* gone */ }
    }, 3000);
    await exited;
    clearTimeout(t);
    child = undefined;
  };

  await launch();
  return {
    secret,
    realm,
    port,
    tlsPort,
    urls: {
      udp: `turn:127.0.0.1:${port}?transport=udp`,
      tcp: `turn:127.0.0.1:${port}?transport=tcp`,
      tls: `turns:127.0.0.1:${tlsPort}?transport=tcp`,
    },
    chromiumArgs: (await chromiumTlsArgs(certs)).filter((a) => a.startsWith("--ignore-certificate")),
    output: () => log,
    restart: async () => {
      await stop();
      await launch();
    },
    stop: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
