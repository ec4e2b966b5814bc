/**
 * Presence over sockets: a user is online while any of its sockets is
 * connected; when the last one drops, the user gets `graceMs` to come back
 * before going offline and leaving its calls. Status changes are coalesced
 * and sent only to those who need them (Expert presence → Technicians and
 * Admins; everyone's → Admins), so a connection storm costs O(clients).
 */
import type { Role } from "../../lib/types.ts";
import type { Deps } from "../context.ts";
import { rooms } from "./rooms.ts";
import type { IoServer, IoSocket } from "./types.ts";

/**
 * Shards of the Technicians' presence room; a flush writes one shard per
 * event-loop turn, so with 5,000 watchers a turn is ~150 socket writes.
 */
const WATCHER_SHARDS = 32;
const shardOf = (socketId: string) => {
  let h = 0;
  for (let i = 0; i < socketId.length; i++) h = (h * 31 + socketId.charCodeAt(i)) | 0;
  return Math.abs(h) % WATCHER_SHARDS;
};
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class SocketPresence {
  /** userId → this node's connected sockets of that user. */
  private readonly sockets = new Map<string, number>();
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly roles = new Map<string, Role>();
  private readonly pending = new Set<string>();
  /** The state last sent for each user, so a change undone within one window is not sent at all. */
  private readonly lastSent = new Map<string, string>();
  private flushTimer?: ReturnType<typeof setTimeout>;
  /** Called when a user's grace period ran out (leave calls, stop rings). */
  onGone: (userId: string) => Promise<void> = () => Promise.resolve();

  constructor(private readonly io: IoServer, private readonly deps: Deps) {
    deps.presence.onChange = (userId) => this.queue(userId);
  }

  connected(socket: IoSocket): void {
    const { userId, role } = socket.data.identity;
    this.roles.set(userId, role);
    socket.join(rooms.user(userId));
    if (role === "Technician") socket.join(rooms.expertWatchers(shardOf(socket.id)));
    if (role === "Admin") socket.join(rooms.allWatchers);
    this.sockets.set(userId, (this.sockets.get(userId) ?? 0) + 1);
    const timer = this.graceTimers.get(userId);
    if (timer) {
      clearTimeout(timer);
      this.graceTimers.delete(userId);
    }
    this.deps.presence.setOnline(userId, true);
  }

  disconnected(socket: IoSocket): void {
    const { userId } = socket.data.identity;
    const left = (this.sockets.get(userId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(userId, left);
      return;
    }
    this.sockets.delete(userId);
    if (this.graceTimers.has(userId)) return;
    this.graceTimers.set(
      userId,
      setTimeout(() => {
        this.graceTimers.delete(userId);
        if (this.sockets.has(userId)) return;
        this.goOffline(userId);
      }, this.deps.config.graceMs),
    );
  }

  /** Marks the user offline here and, unless still connected through another node, lets the call layer clean up. */
  goOffline(userId: string): void {
    this.deps.presence.setOnline(userId, false);
    if (!this.deps.presence.isOnline(userId)) this.runGone(userId);
  }

  /** Runs `onGone` for a user now offline everywhere (also called by the multi-node presence). */
  runGone(userId: string): void {
    this.onGone(userId).catch((e) =>
      this.deps.log.error({ event: "presence-gone", userId, err: String(e) }, "cleanup failed")
    );
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
    this.flushTimer ??= setTimeout(() => void this.flush(), this.deps.config.presenceFlushMs);
  }

  /**
   * Sends the changes gathered since the last flush: everyone's to Admins,
   * Experts' to Technicians, one shard per event-loop turn so thousands of
   * writes do not hold up calls being set up meanwhile.
   */
  private async flush(): Promise<void> {
    this.flushTimer = undefined;
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
    for (const change of changes) this.io.to(rooms.allWatchers).emit("user-status-change", change);
    const experts = changes.filter((c) => this.roles.get(c.userId) === "Expert");
    if (!experts.length) return;
    for (let shard = 0; shard < WATCHER_SHARDS; shard++) {
      if (shard > 0) await nextTurn();
      for (const change of experts) {
        this.io.to(rooms.expertWatchers(shard)).emit("user-status-change", change);
      }
    }
  }

  close(): void {
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }
}
