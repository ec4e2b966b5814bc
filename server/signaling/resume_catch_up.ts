/**
 * Socket.IO resumes a session in three steps: the adapter takes the packets it
 * missed, the socket is created (joining its rooms), and it is connected (only
 * then do broadcasts reach it). Between the steps are awaits — microseconds on
 * one node, a Redis round trip on several — and other handlers run in them:
 * a chat or annotation broadcast in that gap is in neither the missed packets
 * nor the socket's deliveries, so it would be lost although acknowledged to
 * its sender. Here the packets broadcast while a session is being resumed are
 * kept, and written to its socket the moment it connects.
 */
import type { Logger } from "pino";
import { onEachAdapter } from "./each_adapter.ts";
import { NOT_REPLAYED, reaches } from "./recovery_adapter.ts";
import type { IoServer, IoSocket } from "./types.ts";

type Rooms = { rooms: Set<string>; except: Set<string> };

interface Broadcast {
  seq: number;
  data: unknown[];
  opts: Rooms;
}

interface Resuming {
  /** The first broadcast it may have missed. */
  from: number;
  rooms: string[];
  /** Offsets of the packets it already gets as missed. */
  replayed: Set<unknown>;
  at: number;
}

/** How long a resumed session may take to connect before what was kept for it is let go. */
const CONNECT_MS = 10_000;

/** What the adapters in use have in common, as far as resuming goes. */
export interface ResumingAdapter {
  restoreSession(pid: string, offset: string): Promise<
    { sid: string; rooms: string[]; missedPackets: unknown[][] } | null
  >;
  broadcast(packet: { data: unknown[] }, opts: Rooms): unknown;
  /** Cluster adapters: where both local and remote broadcasts get their offset, just before delivery. */
  addOffsetIfNecessary?(packet: { data: unknown[] }, opts: Rooms, offset: string): void;
}

export class ResumeCatchUp {
  constructor(private readonly now: () => number = Date.now) {}

  #seq = 0;
  #broadcasts: Broadcast[] = [];
  /** Restores under way (their session id not known yet): the first broadcast each may have missed. */
  #restoring = new Set<{ from: number }>();
  /** Sessions restored and not yet connected, by socket id. */
  #resuming = new Map<string, Resuming>();

  /** Keeps the broadcasts through `adapter` while a session is being resumed. */
  install(adapter: ResumingAdapter): void {
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const mark = { from: this.#seq };
      this.#restoring.add(mark);
      try {
        const session = await restore(pid, offset);
        if (session) {
          this.#resuming.set(session.sid, {
            from: mark.from,
            rooms: session.rooms,
            replayed: new Set(session.missedPackets.map((p) => p.at(-1))),
            at: this.now(),
          });
        }
        return session;
      } finally {
        this.#restoring.delete(mark);
        this.#trim();
      }
    };
    // The packet's data gets its offset appended when it is kept for replay: only those are kept here.
    if (adapter.addOffsetIfNecessary) {
      const addOffset = adapter.addOffsetIfNecessary.bind(adapter);
      adapter.addOffsetIfNecessary = (packet, opts, offset) => {
        const length = packet.data.length;
        addOffset(packet, opts, offset);
        if (packet.data.length > length) this.#keep(packet.data, opts);
      };
    } else {
      const broadcast = adapter.broadcast.bind(adapter);
      adapter.broadcast = (packet, opts) => {
        const length = packet.data.length;
        const result = broadcast(packet, opts);
        if (packet.data.length > length) this.#keep(packet.data, opts);
        return result;
      };
    }
  }

  /** Writes to a resumed socket, as it connects, what was broadcast to its rooms while it was resumed; returns how many. */
  connected(socket: IoSocket): number {
    const resuming = this.#resuming.get(socket.id);
    if (!resuming) return 0;
    this.#resuming.delete(socket.id);
    let written = 0;
    for (const b of this.#broadcasts) {
      if (b.seq < resuming.from || resuming.replayed.has(b.data.at(-1))) continue;
      if (!reaches(resuming.rooms, b.opts)) continue;
      // As Socket.IO writes a resumed session's missed packets (Socket's constructor): socket.emit would
      // broadcast it anew with a second offset.
      (socket as unknown as { packet(p: { type: number; data: unknown[] }): void }).packet({
        type: 2,
        data: b.data,
      });
      written++;
    }
    this.#trim();
    return written;
  }

  #keep(data: unknown[], opts: Rooms): void {
    if (!this.#restoring.size && !this.#resuming.size) return;
    if (NOT_REPLAYED.has(data[0] as string)) return;
    // A session restored whose transport closed before it connected never connects: let it go in time.
    if (this.#broadcasts.push({ seq: this.#seq++, data, opts }) % 256 === 0) this.#trim();
  }

  /** Broadcasts kept for sessions being resumed (tests). */
  get kept(): number {
    return this.#broadcasts.length;
  }

  /** Lets go of the broadcasts no session being resumed may need. */
  #trim(): void {
    const now = this.now();
    let from = this.#seq;
    for (const mark of this.#restoring) from = Math.min(from, mark.from);
    for (const [sid, r] of this.#resuming) {
      if (now - r.at > CONNECT_MS) this.#resuming.delete(sid);
      else from = Math.min(from, r.from);
    }
    let drop = 0;
    while (drop < this.#broadcasts.length && this.#broadcasts[drop].seq < from) drop++;
    if (drop) this.#broadcasts.splice(0, drop);
  }
}

/** Catches up every session resumed on `io` (its adapter now and any installed later, as Redis mode does). */
export function catchUpResumedSessions(io: IoServer, log: Logger): void {
  const catchUp = new ResumeCatchUp();
  onEachAdapter<ResumingAdapter>(io, (adapter) => catchUp.install(adapter));
  // Registered before the other connection handlers, so these packets come before anything they send.
  io.on("connection", (socket) => {
    const written = socket.recovered ? catchUp.connected(socket) : 0;
    if (written) {
      log.info(
        { event: "resume-caught-up", userId: socket.data.identity.userId, packets: written },
        "caught up",
      );
    }
  });
}
