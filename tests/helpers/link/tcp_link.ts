/**
 * A user-space TCP link in front of a TCP server (coturn's TURN/TCP or TLS port): each client connection
 * gets its own upstream connection and two stream Shapers (rate, delay, loss as retransmission stalls,
 * black hole as a pause). `rebind()` cuts every connection, as a network switch does to TCP;
 * `refuseWebSockets` cuts those that ask for a WebSocket (a network whose proxy does not pass them);
 * `holdWhere` holds only some connections (one lost segment that keeps one TCP connection waiting).
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { LinkConditions } from "./shaper.ts";
import { Shaper } from "./shaper.ts";
import type { LinkSettings } from "./udp_link.ts";

interface Pipe {
  client: Socket;
  upstream: Socket;
  up: Shaper;
  down: Shaper;
  /** The first bytes the client sent (an HTTP request line and headers). */
  request?: string;
}

export class TcpLink {
  private pipes = new Set<Pipe>();
  private settings: { up: Partial<LinkConditions>; down: Partial<LinkConditions> } = { up: {}, down: {} };
  connections = 0;
  /** A network whose WebSockets fail: a connection that asks for one is cut at its first bytes. */
  refuseWebSockets = false;

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(target: { host: string; port: number }, settings: LinkSettings = {}): Promise<TcpLink> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const link = new TcpLink(server, typeof address === "object" && address ? address.port : 0);
    server.on("connection", (client: Socket) => link.accept(client, target));
    link.set(settings);
    return link;
  }

  set(settings: LinkSettings) {
    this.settings = {
      up: { ...this.settings.up, ...settings.up },
      down: { ...this.settings.down, ...settings.down },
    };
    for (const p of this.pipes) {
      p.up.set(this.settings.up);
      p.down.set(this.settings.down);
    }
  }

  blackhole(on: boolean) {
    this.set({ up: { blackhole: on }, down: { blackhole: on } });
  }

  /**
   * Holds (`on`) or lets go the connections whose first request contains `text`, as a black hole would;
   * returns how many there are. The others flow on.
   */
  holdWhere(text: string, on: boolean): number {
    const matching = [...this.pipes].filter((p) => p.request?.includes(text));
    for (const p of matching) {
      p.up.set({ blackhole: on });
      p.down.set({ blackhole: on });
    }
    return matching.length;
  }

  /** Cuts every connection (the client must connect again, from its new network). */
  rebind() {
    for (const p of [...this.pipes]) this.drop(p);
  }

  private accept(client: Socket, target: { host: string; port: number }) {
    this.connections++;
    client.setNoDelay(true);
    const upstream = connect({ host: target.host, port: target.port });
    upstream.setNoDelay(true);
    const pipe: Pipe = {
      client,
      upstream,
      up: new Shaper(this.settings.up, (d) => upstream.write(d), { stream: true }),
      down: new Shaper(this.settings.down, (d) => client.write(d), { stream: true }),
    };
    this.pipes.add(pipe);
    let first = true;
    client.on("data", (d: Uint8Array) => {
      if (first) {
        pipe.request = new TextDecoder().decode(d.subarray(0, 2048));
        if (this.refuseWebSockets && /^GET [^\r\n]*transport=websocket/.test(pipe.request)) {
          return this.drop(pipe);
        }
      }
      first = false;
      pipe.up.push(d);
    });
    upstream.on("data", (d: Uint8Array) => pipe.down.push(d));
    for (const s of [client, upstream]) {
      s.on("error", () => this.drop(pipe));
      s.on("close", () => this.drop(pipe));
    }
  }

  private drop(p: Pipe) {
    if (!this.pipes.delete(p)) return;
    p.up.close();
    p.down.close();
    p.client.destroy();
    p.upstream.destroy();
  }

  async close() {
    this.rebind();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
