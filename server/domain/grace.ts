/**
 * The grace period (compat): a user is online while any of its sockets is connected; when the last one
 * on this node drops, the user has `graceMs` to come back before going offline and, once offline on
 * every node, leaving its calls (`gone`). Users whose node died are given the same grace here (`lost`).
 * Signaling reports sockets opening and closing; this decides when a user is gone.
 */
import type { Clock, Timer } from "./clock.ts";
import { Listeners } from "./listeners.ts";
import type { Presence } from "./presence.ts";

export interface DepartureEvents {
  /** The user is offline everywhere after its grace period (or signed out): leave calls, stop rings. */
  gone(userId: string): void;
  /** Users of a node that died, still offline everywhere after the grace period (one batch). */
  lost(userIds: string[]): void;
}

export class GracePeriod {
  readonly events: Listeners<DepartureEvents>;
  /** userId → this node's connected sockets of that user. */
  private readonly sockets = new Map<string, number>();
  private readonly graceTimers = new Map<string, Timer>();
  /** Users whose node died, waiting out their grace period here. */
  private readonly lostUsers = new Set<string>();
  private readonly lostTimers = new Set<Timer>();
  private closed = false;

  constructor(
    private readonly presence: Presence,
    private readonly clock: Clock,
    private readonly graceMs: number,
    onError: (event: string, err: unknown) => void = () => {},
  ) {
    this.events = new Listeners<DepartureEvents>(onError);
  }

  /** Authenticated sockets connected to this node. */
  socketCount(): number {
    let n = 0;
    for (const count of this.sockets.values()) n += count;
    return n;
  }

  socketOpened(userId: string): void {
    this.sockets.set(userId, (this.sockets.get(userId) ?? 0) + 1);
    this.clock.clearTimeout(this.graceTimers.get(userId));
    this.graceTimers.delete(userId);
    this.lostUsers.delete(userId);
    this.presence.setOnline(userId, true);
  }

  socketClosed(userId: string): void {
    const left = (this.sockets.get(userId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(userId, left);
      return;
    }
    this.sockets.delete(userId);
    // A node shutting down loses every socket at once: nobody leaves a call for that (restart recovery
    // and the other nodes decide), and the shutdown does not wait on a wave of departures.
    if (this.closed || this.graceTimers.has(userId)) return;
    this.graceTimers.set(
      userId,
      this.clock.setTimeout(() => {
        this.graceTimers.delete(userId);
        return this.sockets.has(userId) ? undefined : this.signOut(userId);
      }, this.graceMs),
    );
  }

  /** Offline here now (signed out, or the grace ran out); gone unless still connected through another node. */
  signOut(userId: string): Promise<void> {
    this.presence.setOnline(userId, false);
    return this.offlineElsewhere(userId);
  }

  /** Another node reported the user offline: if it is offline everywhere now, it is gone. */
  offlineElsewhere(userId: string): Promise<void> {
    return this.presence.isOnline(userId) ? Promise.resolve() : this.events.emit("gone", userId);
  }

  /** The node these users were on died, so nobody runs their grace period: this node does. */
  nodeLost(userIds: string[]): void {
    const batch = userIds.filter((u) => !this.lostUsers.has(u));
    if (this.closed || !batch.length) return;
    for (const u of batch) this.lostUsers.add(u);
    const timer = this.clock.setTimeout(() => {
      this.lostTimers.delete(timer);
      const gone = batch.filter((u) => this.lostUsers.delete(u) && !this.presence.isOnline(u));
      return gone.length ? this.events.emit("lost", gone) : undefined;
    }, this.graceMs);
    this.lostTimers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const t of [...this.graceTimers.values(), ...this.lostTimers]) this.clock.clearTimeout(t);
    this.graceTimers.clear();
    this.lostTimers.clear();
    this.lostUsers.clear();
  }
}
