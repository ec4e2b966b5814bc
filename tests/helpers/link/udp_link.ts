/**
 * A user-space UDP link in front of a UDP server (coturn): clients send to `port`; each client address
 * gets its own upstream socket (as a NAT would), and both directions go through a Shaper. `rebind()`
 * gives every client a new upstream port (a NAT rebinding or a network switch: the server sees a new
 * address); `set()` changes the conditions of one or both directions while packets flow.
 */
import { createSocket, type Socket } from "node:dgram";
import { type LinkConditions, Shaper } from "./shaper.ts";

export interface LinkSettings {
  /** Client → server. */
  up?: Partial<LinkConditions>;
  /** Server → client. */
  down?: Partial<LinkConditions>;
}

interface Session {
  client: { address: string; port: number };
  upstream: Socket;
  up: Shaper;
  down: Shaper;
}

export class UdpLink {
  private sessions = new Map<string, Session>();
  private settings: { up: Partial<LinkConditions>; down: Partial<LinkConditions> } = { up: {}, down: {} };
  /** Upstream ports used so far (one per client and rebinding). */
  readonly upstreamPorts: number[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    socket.on("message", (msg, from) => this.fromClient(msg, from));
  }

  static async start(target: { host: string; port: number }, settings: LinkSettings = {}): Promise<UdpLink> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => resolve());
    });
    const link = new UdpLink(socket, socket.address().port, target);
    link.set(settings);
    return link;
  }

  /** Changes the conditions; applies to packets sent from now on. */
  set(settings: LinkSettings) {
    this.settings = {
      up: { ...this.settings.up, ...settings.up },
      down: { ...this.settings.down, ...settings.down },
    };
    for (const s of this.sessions.values()) {
      s.up.set(this.settings.up);
      s.down.set(this.settings.down);
    }
  }

  /** Drops everything both ways (true) or lets it through again (false). */
  blackhole(on: boolean) {
    this.set({ up: { blackhole: on }, down: { blackhole: on } });
  }

  /** Every client continues from a new upstream port; the old ones are closed. */
  async rebind() {
    const old = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of old) {
      s.up.close();
      s.down.close();
      await new Promise<void>((r) => s.upstream.close(() => r()));
    }
  }

  /** Totals over the current sessions. */
  stats() {
    const sum = (dir: "up" | "down") => {
      const t = { packets: 0, bytes: 0, lost: 0, overflow: 0, blackholed: 0 };
      for (const s of this.sessions.values()) {
        for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += s[dir].stats[k];
      }
      return t;
    };
    return { sessions: this.sessions.size, up: sum("up"), down: sum("down") };
  }

  private fromClient(msg: Uint8Array, from: { address: string; port: number }) {
    const key = `${from.address}:${from.port}`;
    let s = this.sessions.get(key);
    if (!s) {
      const upstream = createSocket("udp4");
      upstream.bind(0, "127.0.0.1", () => this.upstreamPorts.push(upstream.address().port));
      const client = { address: from.address, port: from.port };
      const session: Session = {
        client,
        upstream,
        up: new Shaper(this.settings.up, (d) => upstream.send(d, this.target.port, this.target.host)),
        down: new Shaper(this.settings.down, (d) => this.socket.send(d, client.port, client.address)),
      };
      upstream.on("message", (reply) => session.down.push(reply));
      upstream.on("error", () => {});
      this.sessions.set(key, s = session);
    }
    s.up.push(msg);
  }

  async close() {
    await this.rebind();
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
