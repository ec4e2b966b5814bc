/**
 * Who is online and who is busy. The signaling layer feeds it (sockets
 * connecting and dropping); the call domain marks users busy while they are
 * rung or in an active call. Reads are synchronous: they sit on hot paths.
 *
 * Multi-node: "online" is the union of this node's sockets and what other
 * nodes report (`applyRemote`, `replaceNode`); busy flags follow the calls, so
 * every node applies the same changes. `localChange` events hand this node's
 * changes to the replication layer (server/signaling/cluster_presence.ts).
 */
import type { Availability, PresenceStatus } from "../../lib/types.ts";
import { Listeners } from "./listeners.ts";

export type PresenceChange =
  | { type: "online"; userId: string; online: boolean }
  | { type: "busy"; userId: string; callId: string; busy: boolean }
  | { type: "dnd"; userId: string; on: boolean };

export interface PresenceEvents {
  /** A change (here or reported by another node) may have changed the user's status or availability. */
  changed(userId: string): void;
  /** A change made on this node, for the other nodes to apply. */
  localChange(change: PresenceChange): void;
}

export class Presence {
  /** Users with a socket on this node. */
  private readonly online = new Set<string>();
  /** userId → other nodes where the user has a socket. */
  private readonly elsewhere = new Map<string, Set<string>>();
  /** userId → callIds that keep the user busy (ringing or in an active call). */
  private readonly busy = new Map<string, Set<string>>();
  readonly events = new Listeners<PresenceEvents>();

  /** Tells subscribers to look at the user again (a change learnt from another node). */
  announce(userId: string): void {
    this.events.emit("changed", userId);
  }
  /** Experts who asked not to be disturbed (shown as busy; never rung). Cleared when they go offline. */
  private readonly dnd = new Set<string>();

  setOnline(userId: string, online: boolean): void {
    if (online === this.online.has(userId)) return;
    const before = this.state(userId);
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    if (!this.isOnline(userId)) this.dnd.delete(userId);
    this.events.emit("localChange", { type: "online", userId, online });
    if (before !== this.state(userId)) this.announce(userId);
  }

  setBusy(userId: string, callId: string, busy: boolean): void {
    if ((this.busy.get(userId)?.has(callId) ?? false) === busy) return;
    const before = this.state(userId);
    this.markBusy(userId, callId, busy);
    this.events.emit("localChange", { type: "busy", userId, callId, busy });
    if (before !== this.state(userId)) this.announce(userId);
  }

  /** Do not disturb: an online Expert is shown as busy and cannot be rung. */
  setDoNotDisturb(userId: string, on: boolean): void {
    if (on === this.dnd.has(userId) || (on && !this.isOnline(userId))) return;
    const before = this.state(userId);
    this.markDnd(userId, on);
    this.events.emit("localChange", { type: "dnd", userId, on });
    if (before !== this.state(userId)) this.announce(userId);
  }

  isDoNotDisturb(userId: string): boolean {
    return this.dnd.has(userId);
  }

  /** Applies another node's change; true when the user's status or busy flag changed here. */
  applyRemote(nodeId: string, change: PresenceChange): boolean {
    const before = this.state(change.userId);
    if (change.type === "busy") this.markBusy(change.userId, change.callId, change.busy);
    else if (change.type === "dnd") this.markDnd(change.userId, change.on);
    else this.markElsewhere(nodeId, change.userId, change.online);
    return before !== this.state(change.userId);
  }

  /**
   * Replaces what is known of the users online on `nodeId` (`null`: the node
   * is gone). Returns the users whose status or busy flag changed here.
   */
  replaceNode(nodeId: string, online: string[] | null): string[] {
    const now = new Set(online ?? []);
    const touched = new Set(now);
    for (const [userId, nodes] of this.elsewhere) if (nodes.has(nodeId)) touched.add(userId);
    const changed: string[] = [];
    for (const userId of touched) {
      const before = this.state(userId);
      this.markElsewhere(nodeId, userId, now.has(userId));
      if (before !== this.state(userId)) changed.push(userId);
    }
    return changed;
  }

  /** The users with a socket on this node (what this node reports to the others). */
  localOnline(): string[] {
    return [...this.online];
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId) || this.elsewhere.has(userId);
  }

  isBusy(userId: string): boolean {
    return this.busy.has(userId);
  }

  status(userId: string): PresenceStatus {
    return this.isOnline(userId) ? "online" : "offline";
  }

  availability(userId: string): Availability {
    if (!this.isOnline(userId)) return "offline";
    return this.busy.has(userId) || this.dnd.has(userId) ? "busy" : "available";
  }

  onlineCount(): number {
    let n = this.online.size;
    for (const userId of this.elsewhere.keys()) if (!this.online.has(userId)) n++;
    return n;
  }

  /** What `changed` reports on: online anywhere, busy. */
  private state(userId: string): string {
    return `${this.isOnline(userId)}:${this.isBusy(userId)}:${this.dnd.has(userId)}`;
  }

  private markDnd(userId: string, on: boolean): void {
    if (on) this.dnd.add(userId);
    else this.dnd.delete(userId);
  }

  private markBusy(userId: string, callId: string, busy: boolean): void {
    const calls = this.busy.get(userId) ?? new Set<string>();
    if (busy) calls.add(callId);
    else calls.delete(callId);
    if (calls.size) this.busy.set(userId, calls);
    else this.busy.delete(userId);
  }

  private markElsewhere(nodeId: string, userId: string, online: boolean): void {
    const nodes = this.elsewhere.get(userId) ?? new Set<string>();
    if (online) nodes.add(nodeId);
    else nodes.delete(nodeId);
    if (nodes.size) this.elsewhere.set(userId, nodes);
    else this.elsewhere.delete(userId);
  }
}
