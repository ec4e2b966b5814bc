/**
 * Presence over sockets: sockets opening and closing are reported to the domain's grace period
 * (server/domain/grace.ts), which decides who is online and who is gone. Status changes are coalesced
 * and sent only to those who need them (Expert presence → Technicians and Admins; everyone's → Admins),
 * so a connection storm costs O(clients).
 */
import type { StatusChange } from "../../lib/protocol.ts";
import type { Role } from "../../lib/types.ts";
import type { Deps } from "../context.ts";
import type { Timer } from "../domain/clock.ts";
import { RecoveryAdapter } from "./recovery_adapter.ts";
import { rooms } from "./rooms.ts";
import { SharedFrames } from "./shared_frames.ts";
import { WritePacer } from "./write_pacer.ts";
import type { IoServer, IoSocket } from "./types.ts";

/**
 * Shards of the Technicians' presence room: one emit reaches one shard (~40
 * sockets of 5,000, under a millisecond of writes), and a flush lets other work
 * in between shards (write_pacer.ts).
 */
const WATCHER_SHARDS = 128;
/**
 * A flush starts at least this many times its predecessor's writing time after the first change it
 * carries (and never sooner than MOBIMAINT_PRESENCE_FLUSH_MS): with thousands of watchers a flush
 * writes for ~150 ms, so presence then costs at most about a quarter of the time, and changes coming
 * faster are carried together. With few watchers flushes take no time and the window stays as set.
 */
const FLUSH_SPACING = 3;
const SHARDS = Array.from({ length: WATCHER_SHARDS }, (_, i) => i);
const shardOf = (socketId: string) => {
  let h = 0;
  for (let i = 0; i < socketId.length; i++) h = (h * 31 + socketId.charCodeAt(i)) | 0;
  return Math.abs(h) % WATCHER_SHARDS;
};
/**
 * How the client asked for presence in its handshake (`auth.presence`): "batch", one packet per flush;
 * "none", no presence at all (the call room has no directory to keep up to date); else one event per change.
 */
const presenceWanted = (socket: IoSocket) => {
  const asked = (socket.handshake.auth as { presence?: unknown } | undefined)?.presence;
  return asked === "batch" || asked === "none" ? asked : "each";
};

export class SocketPresence {
  private readonly roles = new Map<string, Role>();
  private readonly pending = new Set<string>();
  /** The state last sent for each user, so a change undone within one window is not sent at all. */
  private readonly lastSent = new Map<string, string>();
  private flushTimer?: Timer;
  /** Flushes run one after another, so a shard never gets an older state after a newer one. */
  private flushing = Promise.resolve();
  /** How long the last flush spent writing (not counting the turns it left to other work), ms. */
  private lastFlushBusyMs = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly io: IoServer, private readonly deps: Deps) {
    this.unsubscribe = deps.presence.events.add({ changed: (userId) => this.queue(userId) });
  }

  connected(socket: IoSocket): void {
    const { userId, role } = socket.data.identity;
    this.roles.set(userId, role);
    socket.join(rooms.user(userId));
    const wanted = presenceWanted(socket);
    const batched = wanted === "batch";
    if (role === "Technician" && wanted !== "none") {
      socket.join(rooms.expertWatchers(shardOf(socket.id), batched));
    }
    if (role === "Admin" && wanted !== "none") socket.join(rooms.allWatchers(batched));
    this.deps.grace.socketOpened(userId);
  }

  disconnected(socket: IoSocket): void {
    this.deps.grace.socketClosed(socket.data.identity.userId);
  }

  roleOf(userId: string): Role | undefined {
    return this.roles.get(userId);
  }

  /** Records the role of a user connected through another node (decides who is told of its presence). */
  learnRole(userId: string, role: Role): void {
    this.roles.set(userId, role);
  }

  private queue(userId: string): void {
    this.pending.add(userId);
    this.flushTimer ??= this.deps.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flush()).catch((e) =>
        this.deps.log.error({ event: "presence-flush", err: String(e) }, "presence flush failed")
      );
    }, Math.max(this.deps.config.presenceFlushMs, FLUSH_SPACING * this.lastFlushBusyMs));
  }

  /**
   * Sends the changes gathered since the last flush: everyone's to Admins,
   * Experts' to Technicians and to the Expert's own sockets. Clients that asked
   * for batches get all of them in one `user-status-changes`, others one
   * `user-status-change` each (compat).
   * Writes pause between shards (write_pacer.ts) so calls being set up meanwhile are not held up.
   */
  private async flush(): Promise<void> {
    const changes = [];
    for (const userId of this.pending) {
      const change = {
        userId,
        status: this.deps.presence.status(userId),
        availability: this.deps.presence.availability(userId),
      };
      const state = `${change.status}/${change.availability}`;
      if (this.lastSent.get(userId) === state) continue; // e.g. busy for a moment, available again
      this.lastSent.set(userId, state);
      changes.push(change);
    }
    this.pending.clear();
    if (!changes.length) return;
    const started = performance.now();
    const pacer = new WritePacer(() => this.deps.activity.received);
    const breathe = () => pacer.breathe();
    await this.sendEach(rooms.allWatchers(), changes, breathe);
    await breathe();
    this.io.to(rooms.allWatchers(true)).emit("user-status-changes", { changes });
    const experts = changes.filter((c) => this.roles.get(c.userId) === "Expert");
    for (const shard of experts.length ? SHARDS : []) {
      await this.sendEach(rooms.expertWatchers(shard), experts, breathe);
      await breathe();
      this.io.to(rooms.expertWatchers(shard, true)).emit("user-status-changes", { changes: experts });
    }
    // An Expert's own pages show its availability: busy while a call answered on another of its devices
    // is on, free again after it.
    for (const change of experts) {
      await breathe();
      this.io.to(rooms.user(change.userId)).emit("user-status-changes", { changes: [change] });
    }
    this.lastFlushBusyMs = pacer.busyMs();
    // The metric is the delay watchers see: from the flush's start to its last write.
    this.deps.metrics?.presenceFlushed((performance.now() - started) / 1000);
  }

  /**
   * One `user-status-change` per change to every socket of the room (old clients). The packets are kept for
   * replay and written to the room's sockets in one go: a resumed session is replayed what came after the last
   * packet it got, so no other broadcast may reach a socket between the two.
   */
  private async sendEach(room: string, changes: StatusChange[], breathe: () => Promise<void>) {
    const nsp = this.io.of("/");
    const adapter = nsp.adapter as unknown;
    if (!(adapter instanceof RecoveryAdapter)) {
      // Multi-node: rooms span nodes, so only a broadcast reaches them all.
      for (const change of changes) {
        await breathe();
        this.io.to(room).emit("user-status-change", change);
      }
      return;
    }
    await breathe();
    const events = changes.map((c): [string, StatusChange] => ["user-status-change", c]);
    // Kept even for an empty room: a session being resumed may be in it.
    const frames = new SharedFrames(adapter.encodeBroadcasts(room, events));
    for (const id of adapter.rooms.get(room) ?? []) {
      const socket = nsp.sockets.get(id);
      if (socket) frames.writeTo(socket);
    }
  }

  /** Resolves once the flushes started so far have sent everything (tests wait on it after moving the clock). */
  settled(): Promise<void> {
    return this.flushing;
  }

  close(): void {
    this.unsubscribe();
    this.deps.clock.clearTimeout(this.flushTimer);
  }
}
