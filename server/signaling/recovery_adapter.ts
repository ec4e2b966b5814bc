/**
 * Socket.IO's single-node adapter with connection state recovery, tuned for
 * signaling: it keeps packets for replay only as long as a session can be
 * recovered, and never keeps media negotiation (offer/answer/ICE) — stale
 * after any drop, since the client restarts ICE on reconnect — which is most
 * of the bytes. Without this, every SDP sent stays in memory for minutes.
 * A quiet client whose last packet already left the buffer still resumes.
 */
import { Adapter, SessionAwareAdapter } from "socket.io-adapter";

/** Events not worth replaying after a drop (also used by the multi-node adapter, redis_adapter.ts). */
export const NOT_REPLAYED = new Set(["offer", "answer", "ice-candidate", "pong"]);

type Packet = { type: number; data: unknown[] };
type Opts = Parameters<Adapter["broadcast"]>[1];
/** The base class's `apply` (private in its typings): runs `callback` on each socket a broadcast reaches. */
type Apply = (opts: Opts, callback: (socket: unknown) => void) => void;

/** A packet as a broadcast hands it to each socket: its encoding, and its WebSocket frame if precomputed. */
export interface EncodedPacket {
  /** For the socket's outgoing listeners (`onAnyOutgoing`). */
  packet: Packet;
  encoded: unknown[];
  opts: { wsPreEncodedFrame?: Buffer[] };
}
const EVENT = 2; // socket.io-parser's PacketType.EVENT
type Namespace = ConstructorParameters<typeof SessionAwareAdapter>[0];

interface BufferedPacket {
  id: string;
  emittedAt: number;
  opts: { rooms: Set<string>; except: Set<string> };
  data: unknown[];
}

interface Buffered {
  sessions: Map<string, { disconnectedAt: number; rooms: string[] }>;
  packets: BufferedPacket[];
  maxDisconnectionDuration: number;
}

/** A kept packet's data, stored as its JSON (see broadcast) and read back for a replay. */
const unpack = (data: unknown) => (typeof data === "string" ? JSON.parse(data) as unknown[] : data);

const YEAST = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/** The emission time (ms) inside a packet offset (a yeast id: base-64 time, then ".seq"); NaN when malformed. */
function offsetTime(offset: string): number {
  const time = offset.split(".")[0];
  let n = 0;
  for (const ch of time) {
    const digit = YEAST.indexOf(ch);
    if (digit < 0) return NaN;
    n = n * 64 + digit;
  }
  return time ? n : NaN;
}

/** Whether a broadcast reached the session's rooms (as socket.io-adapter decides it). */
export const reaches = (rooms: string[], opts: BufferedPacket["opts"]) =>
  (opts.rooms.size === 0 || rooms.some((r) => opts.rooms.has(r))) && rooms.every((r) => !opts.except.has(r));

export class RecoveryAdapter extends SessionAwareAdapter {
  constructor(nsp: Namespace) {
    super(nsp);
    // The base class trims once a minute; trim as often as sessions can expire.
    // Both fields are private in the typings but plain properties of the base class.
    const internals = this as unknown as {
      packets: { emittedAt: number }[];
      maxDisconnectionDuration: number;
    };
    const ttl = internals.maxDisconnectionDuration;
    setInterval(() => {
      // Twice the window: also the packets in flight when a transport died before the server noticed.
      const threshold = Date.now() - 2 * ttl;
      const packets = internals.packets;
      let expired = 0;
      while (expired < packets.length && packets[expired].emittedAt < threshold) expired++;
      if (expired) packets.splice(0, expired);
    }, Math.max(1000, ttl)).unref();
    const withApply = this as unknown as { apply: Apply };
    const apply = withApply.apply.bind(this);
    withApply.apply = (opts, callback) => this.collector ? callback(this.collector) : apply(opts, callback);
  }

  /**
   * As the base class, except when the client's last offset is older than the
   * buffer (a quiet client): it then received none of the buffered packets
   * for its rooms, so all of them are replayed instead of refusing to resume
   * (socket.io/socket.io#5282).
   */
  // deno-lint-ignore no-explicit-any
  override async restoreSession(pid: string, offset: string): Promise<any> {
    const session = await this.findMissed(pid, offset);
    if (session?.missedPackets) session.missedPackets = session.missedPackets.map(unpack);
    return session;
  }

  private findMissed(pid: string, offset: string): Promise<{ missedPackets?: unknown[] } | null> | null {
    const self = this as unknown as Buffered;
    const session = self.sessions.get(pid);
    const live = session && session.disconnectedAt + self.maxDisconnectionDuration >= Date.now();
    if (!live || self.packets.some((p) => p.id === offset)) return super.restoreSession(pid, offset);
    const oldest = self.packets[0]?.emittedAt ?? Date.now();
    // Not in the buffer yet not older than it (same-millisecond ids tie): an unknown offset, refused.
    if (!(offsetTime(offset) <= oldest)) return super.restoreSession(pid, offset);
    const missedPackets = self.packets.filter((p) => reaches(session.rooms, p.opts)).map((p) => p.data);
    return Promise.resolve({ ...session, missedPackets });
  }

  /** While set, broadcasts write to this collector instead of to the sockets of their rooms. */
  private collector?: {
    notifyOutgoingListeners(packet: Packet): void;
    client: { writeToEngine(encoded: unknown[], opts: EncodedPacket["opts"]): void };
  };

  /**
   * Broadcasts each event to the room as `io.to(room).emit` does (an offset each, kept for replay), but
   * writes to no socket: returns the encoded packets, for the caller to write to the room's sockets its own way
   * (shared_frames.ts). It must write them before any other broadcast: a resumed session is replayed what was
   * kept after the last packet it got.
   */
  encodeBroadcasts(room: string, events: [string, unknown][]): EncodedPacket[] {
    const packets: EncodedPacket[] = [];
    const opts = { rooms: new Set([room]), except: new Set<string>(), flags: {} };
    let packet: Packet;
    this.collector = {
      notifyOutgoingListeners: (p) => packet = p,
      client: { writeToEngine: (encoded, opts) => packets.push({ packet, encoded, opts }) },
    };
    try {
      for (const [event, payload] of events) this.broadcast({ type: EVENT, data: [event, payload] }, opts);
    } finally {
      this.collector = undefined;
    }
    return packets;
  }

  override broadcast(packet: Packet, opts: Opts): void {
    if (NOT_REPLAYED.has(packet.data?.[0] as string)) {
      return Adapter.prototype.broadcast.call(this, packet, opts);
    }
    super.broadcast(packet, opts);
    // Kept for replay as one string rather than the payload's objects (a stroke is dozens of them): the
    // seconds a packet is kept span several young-generation GCs, each of which would copy every object.
    const kept = (this as unknown as Buffered).packets.at(-1);
    if (kept?.data === packet.data) {
      kept.data = JSON.stringify(packet.data) as unknown as unknown[];
      kept.opts = this.shared(kept.opts);
    }
  }

  /** One rooms/except pair per audience (a call room, less its sender) instead of two Sets per kept packet. */
  private audiences = new Map<string, BufferedPacket["opts"]>();
  private shared(opts: BufferedPacket["opts"]): BufferedPacket["opts"] {
    const key = `${[...opts.rooms].join("\n")}\t${[...opts.except].join("\n")}`;
    let audience = this.audiences.get(key);
    if (!audience) {
      if (this.audiences.size >= 10_000) this.audiences.clear();
      audience = { rooms: opts.rooms, except: opts.except };
      this.audiences.set(key, audience);
    }
    return audience;
  }
}
