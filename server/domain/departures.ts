/**
 * What happens when users are gone (past their grace period, or with a node that died): their rings
 * stop — a gone caller cancels, a gone callee is unavailable — and they are dropped from the calls they
 * are in. Each node keeps the calls its own users entered, so a gone user costs no scan of all calls;
 * after a restart, calls left open go on for those who come back within the grace period.
 */
import type { CallRecord } from "../../lib/types.ts";
import type { ArrivalWindow } from "./arrival_window.ts";
import { ringingInvitations } from "./call_rules.ts";
import type { CallService } from "./calls.ts";
import type { Clock, Timer } from "./clock.ts";
import type { GracePeriod } from "./grace.ts";
import type { Presence } from "./presence.ts";
import type { RingTimers } from "./rings.ts";

export class Departures {
  /** userId → open calls the user entered through this node. */
  private readonly entered = new Map<string, Set<string>>();
  private recoveryTimer?: Timer;

  constructor(
    private readonly calls: CallService,
    private readonly rings: RingTimers,
    private readonly presence: Presence,
    private readonly clock: Clock,
    private readonly arrivals?: ArrivalWindow,
  ) {
    calls.listen({
      entered: (call, userId) => this.note(userId, call.callId),
      left: (call, userId) => this.entered.get(userId)?.delete(call.callId),
      ended: (call) => {
        for (const p of call.participants) this.entered.get(p.userId)?.delete(call.callId);
      },
    });
  }

  /** Acts on the grace period's verdicts (gone, lost). */
  follow(grace: GracePeriod): void {
    grace.events.add({
      gone: (userId) => this.userGone(userId),
      lost: (userIds) => this.usersLost(userIds),
    });
  }

  /** A socket that moved here from another node (connection state recovery) brings its calls along. */
  adopt(userId: string, callIds: string[]): void {
    for (const callId of callIds) this.note(userId, callId);
  }

  async userGone(userId: string): Promise<void> {
    for (const ring of this.rings.ringsOf(userId)) {
      await this.stopRingOf(ring.callId, ring.to, ring.creator, userId);
    }
    for (const callId of [...(this.entered.get(userId) ?? [])]) {
      await this.calls.leave(userId, callId, "dropped");
    }
    this.entered.delete(userId);
  }

  /**
   * The users' node died, so nobody did userGone's work for the calls and rings they had there: do it
   * from the store, in one pass over the open calls. Every surviving node may run this.
   */
  async usersLost(userIds: string[]): Promise<void> {
    for (const userId of userIds) await this.userGone(userId);
    const lost = new Set(userIds);
    for (const call of await this.calls.open()) {
      for (const ring of ringingInvitations(call)) {
        const to = ring.userId;
        const who = lost.has(call.createdBy) ? call.createdBy : lost.has(to) ? to : undefined;
        if (who) await this.stopRingOf(call.callId, to, call.createdBy, who);
      }
      for (const p of call.participants) {
        if (p.present && lost.has(p.userId)) await this.calls.leave(p.userId, call.callId, "dropped");
      }
    }
  }

  /**
   * After a (re)start: rings resume with their remaining time, and participants who have not come back
   * once the grace period (plus reconnect slack) is over are dropped.
   */
  async recover(waitMs: number): Promise<void> {
    const open: CallRecord[] = await this.calls.open();
    const present = new Set<string>();
    for (const call of open) {
      for (const p of call.participants.filter((p) => p.present)) {
        this.note(p.userId, call.callId);
        present.add(p.userId);
      }
    }
    this.rings.resume(open);
    this.arrivals?.resume(open);
    if (!present.size) return;
    this.recoveryTimer = this.clock.setTimeout(async () => {
      for (const userId of present) {
        if (!this.presence.isOnline(userId)) await this.userGone(userId).catch(() => {});
      }
    }, waitMs);
  }

  close(): void {
    this.clock.clearTimeout(this.recoveryTimer);
    this.arrivals?.close();
  }

  private note(userId: string, callId: string): void {
    const set = this.entered.get(userId) ?? new Set<string>();
    set.add(callId);
    this.entered.set(userId, set);
  }

  private async stopRingOf(callId: string, to: string, creator: string, userId: string): Promise<void> {
    await this.calls.stopRinging(callId, to, creator === userId ? "cancelled" : "unavailable", userId);
  }
}
