/**
 * Accepted calls that wait for someone to arrive (see awaitsArrival): when the wait is over and the
 * room is still empty, the call ends. This node times the calls its own departures left empty; after a
 * restart, every empty open call is timed again from its start.
 */
import type { CallRecord } from "../../lib/types.ts";
import type { CallService } from "./calls.ts";
import type { Clock, Timer } from "./clock.ts";

export class ArrivalWindow {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly calls: CallService,
    private readonly clock: Clock,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    calls.listen({
      left: (call) => this.watch(call),
      entered: (call) => this.stop(call.callId),
      ended: (call) => this.stop(call.callId),
    });
  }

  /** After a restart: open calls with nobody in the room. */
  resume(open: CallRecord[]): void {
    for (const call of open) this.watch(call);
  }

  close(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private watch(call: CallRecord): void {
    if (call.status !== "active" || call.participants.some((p) => p.present)) return;
    this.stop(call.callId);
    const ms = Math.max(
      0,
      (call.startTime ?? call.createdAt) + this.calls.arrivalWindowMs - this.clock.now(),
    );
    this.timers.set(
      call.callId,
      this.clock.setTimeout(() => {
        this.timers.delete(call.callId);
        return this.calls.closeIfEmpty(call.callId).catch((e) => this.onError("arrival-window", e));
      }, ms),
    );
  }

  private stop(callId: string): void {
    this.clock.clearTimeout(this.timers.get(callId));
    this.timers.delete(callId);
  }
}
