/**
 * How long a call rings: at most `ringTimeoutMs` (config, default 30 s), then it ends with reason
 * "timeout". This node times the rings it started (and those it resumed after a restart); in multi-node
 * mode a sweep also ends rings past their time whatever node rang them, so a ring whose node died
 * still times out. Nodes racing on one ring are settled by CallService.stopRinging: one change wins.
 */
import type { CallRecord } from "../../lib/types.ts";
import { ringingInvitations } from "./call_rules.ts";
import type { CallService } from "./calls.ts";
import type { Clock, Timer } from "./clock.ts";

export class RingTimers {
  /** callId and rung user → the ring this node times. */
  private readonly rings = new Map<string, { callId: string; to: string; creator: string; timer: Timer }>();
  private sweepTimer?: Timer;

  constructor(
    private readonly calls: CallService,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    calls.listen({
      ringStarted: (call, to) => this.start(call, to, timeoutMs),
      ringEnded: (call, _outcome, to) => this.stop(call.callId, to),
    });
  }

  /** When a ring started now ends at the latest. */
  deadline(): number {
    return this.clock.now() + this.timeoutMs;
  }

  /** The rings this node times in which `userId` is the caller or the callee. */
  ringsOf(userId: string): { callId: string; to: string; creator: string }[] {
    return [...this.rings.values()].filter((r) => r.creator === userId || r.to === userId)
      .map(({ callId, to, creator }) => ({ callId, to, creator }));
  }

  /** After a restart: rings left in the store go on with the time they had left. */
  resume(open: CallRecord[]): void {
    for (const call of open) {
      for (const ring of ringingInvitations(call)) {
        const elapsed = this.clock.now() - ring.since;
        this.start(call, ring.userId, Math.max(0, this.timeoutMs - elapsed));
      }
    }
  }

  /** Multi-node: every `everyMs`, end the rings past their time that no timer of this node holds. */
  startSweeping(everyMs: number): void {
    let sweeping = false;
    this.sweepTimer = this.clock.setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      return this.sweep().catch((e) => this.onError("ring-sweep", e)).finally(() => (sweeping = false));
    }, everyMs);
  }

  close(): void {
    this.clock.clearInterval(this.sweepTimer);
    for (const r of this.rings.values()) this.clock.clearTimeout(r.timer);
    this.rings.clear();
  }

  private start(call: CallRecord, to: string, ms: number): void {
    this.stop(call.callId, to);
    const timer = this.clock.setTimeout(() => {
      this.rings.delete(ringKey(call.callId, to));
      return this.calls.stopRinging(call.callId, to, "timeout").catch((e) => this.onError("ring-timeout", e));
    }, ms);
    this.rings.set(ringKey(call.callId, to), { callId: call.callId, to, creator: call.createdBy, timer });
  }

  private stop(callId: string, to: string): void {
    const ring = this.rings.get(ringKey(callId, to));
    if (!ring) return;
    this.clock.clearTimeout(ring.timer);
    this.rings.delete(ringKey(callId, to));
  }

  private async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const call of await this.calls.open()) {
      for (const ring of ringingInvitations(call)) {
        if (this.rings.has(ringKey(call.callId, ring.userId)) || ring.since + this.timeoutMs > now) continue;
        await this.calls.stopRinging(call.callId, ring.userId, "timeout");
      }
    }
  }
}

const ringKey = (callId: string, to: string) => `${callId}\n${to}`;
