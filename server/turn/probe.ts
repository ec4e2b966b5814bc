/**
 * Is the TURN server there? A STUN Binding request (RFC 5389) over the URL's own transport (UDP, TCP or
 * TLS), answered by any TURN server without credentials. `TurnMonitor` caches the answer so /health
 * stays fast: it waits for a probe only the first time, later it answers from the cache and refreshes
 * in the background once the result is older than `maxAgeMs`.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { parseTurnUrl, type TurnAddress, type TurnTransport } from "./urls.ts";

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

export interface ProbeResult {
  url: string;
  transport: TurnTransport;
  reachable: boolean;
  /** Round trip of the Binding request, ms. */
  ms?: number;
  error?: string;
}

function bindingRequest(): { packet: Uint8Array; id: Uint8Array } {
  const packet = new Uint8Array(20);
  const view = new DataView(packet.buffer);
  view.setUint16(0, BINDING_REQUEST);
  view.setUint16(2, 0);
  view.setUint32(4, MAGIC_COOKIE);
  const id = randomBytes(12);
  packet.set(id, 8);
  return { packet, id };
}

/** True when `data` starts with a Binding success response to transaction `id`. */
function isAnswer(data: Uint8Array, id: Uint8Array): boolean {
  if (data.length < 20) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return view.getUint16(0) === BINDING_SUCCESS && view.getUint32(4) === MAGIC_COOKIE &&
    id.every((b, i) => data[8 + i] === b);
}

function probeUdp(addr: TurnAddress, ip: string, family: number, timeoutMs: number): Promise<void> {
  const { packet, id } = bindingRequest();
  const socket = createSocket(family === 6 ? "udp6" : "udp4");
  return new Promise<void>((resolve, reject) => {
    const send = () => socket.send(packet, addr.port, ip);
    // A datagram may be lost: ask again every 200 ms until the deadline.
    const resend = setInterval(send, 200);
    const timer = setTimeout(() => finish(new Error(`no answer in ${Math.round(timeoutMs)} ms`)), timeoutMs);
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(resend);
      clearTimeout(timer);
      socket.close();
      err ? reject(err) : resolve();
    };
    socket.on("message", (msg) => isAnswer(msg, id) && finish());
    socket.on("error", (e) => finish(e));
    send();
  });
}

function probeStream(addr: TurnAddress, ip: string, timeoutMs: number): Promise<void> {
  const { packet, id } = bindingRequest();
  return new Promise<void>((resolve, reject) => {
    const socket: Socket = addr.transport === "tls"
      // Reachability only: the browser checks the certificate; a self-signed one must not read as "down".
      ? tlsConnect({
        host: ip,
        port: addr.port,
        servername: isIP(addr.host) ? undefined : addr.host,
        rejectUnauthorized: false,
      })
      : tcpConnect({ host: ip, port: addr.port });
    const timer = setTimeout(() => finish(new Error(`no answer in ${Math.round(timeoutMs)} ms`)), timeoutMs);
    let got = new Uint8Array(0);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      err ? reject(err) : resolve();
    };
    socket.once(addr.transport === "tls" ? "secureConnect" : "connect", () => socket.write(packet));
    socket.on("data", (chunk: Uint8Array) => {
      got = new Uint8Array([...got, ...chunk]);
      if (got.length >= 20) finish(isAnswer(got, id) ? undefined : new Error("not a STUN answer"));
    });
    socket.on("error", (e) => finish(e));
    socket.on("close", () => finish(new Error("closed without an answer")));
  });
}

/** Sends one Binding request to `url` and waits at most `timeoutMs` for the answer. */
export async function probeTurnUrl(url: string, timeoutMs = 1000): Promise<ProbeResult> {
  const addr = parseTurnUrl(url);
  if (!addr) return { url, transport: "udp", reachable: false, error: "not a TURN URL" };
  const started = performance.now();
  try {
    const { address, family } = await lookup(addr.host);
    const left = Math.max(1, timeoutMs - (performance.now() - started));
    await (addr.transport === "udp"
      ? probeUdp(addr, address, family, left)
      : probeStream(addr, address, left));
    return { url, transport: addr.transport, reachable: true, ms: Math.round(performance.now() - started) };
  } catch (e) {
    return { url, transport: addr.transport, reachable: false, error: (e as Error).message };
  }
}

export interface TurnStatus {
  /** `ok`: every URL answers; `degraded`: some do; `unreachable`: none; `not-configured`: no TURN URL. */
  status: "ok" | "degraded" | "unreachable" | "not-configured";
  checkedAt?: string;
  servers: ProbeResult[];
}

export class TurnMonitor {
  private last?: { at: number; status: TurnStatus };
  private running?: Promise<TurnStatus>;

  constructor(
    private readonly urls: string[],
    private readonly opts: { timeoutMs?: number; maxAgeMs?: number } = {},
  ) {}

  /** The latest known state; probes (bounded by the timeout) only when nothing is known yet. */
  async status(): Promise<TurnStatus> {
    if (!this.urls.length) return { status: "not-configured", servers: [] };
    const maxAge = this.opts.maxAgeMs ?? 15_000;
    if (!this.last) return await this.refresh();
    if (Date.now() - this.last.at > maxAge) this.refresh();
    return this.last.status;
  }

  /** Probes every URL now (one probe at a time per monitor). */
  refresh(): Promise<TurnStatus> {
    this.running ??= Promise.all([...new Set(this.urls)].map((u) => probeTurnUrl(u, this.opts.timeoutMs)))
      .then((servers) => {
        const up = servers.filter((s) => s.reachable).length;
        const status: TurnStatus = {
          status: up === servers.length ? "ok" : up ? "degraded" : "unreachable",
          checkedAt: new Date().toISOString(),
          servers,
        };
        this.last = { at: Date.now(), status };
        return status;
      })
      .finally(() => this.running = undefined);
    return this.running;
  }
}
