/**
 * Who is online and who is busy. The signaling layer feeds it (sockets
 * connecting and dropping); the call domain marks users busy while they are
 * rung or in an active call. Reads are synchronous: they sit on hot paths.
 */
import type { Availability, PresenceStatus } from "../../lib/types.ts";

export class Presence {
  private readonly online = new Set<string>();
  /** userId → callIds that keep the user busy (ringing or in an active call). */
  private readonly busy = new Map<string, Set<string>>();
  /** Called whenever a user's status or availability may have changed. */
  onChange: (userId: string) => void = () => {};

  setOnline(userId: string, online: boolean): void {
    if (online === this.online.has(userId)) return;
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    this.onChange(userId);
  }

  setBusy(userId: string, callId: string, busy: boolean): void {
    const calls = this.busy.get(userId) ?? new Set<string>();
    const before = calls.size > 0;
    if (busy) calls.add(callId);
    else calls.delete(callId);
    if (calls.size) this.busy.set(userId, calls);
    else this.busy.delete(userId);
    if (before !== calls.size > 0) this.onChange(userId);
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  isBusy(userId: string): boolean {
    return this.busy.has(userId);
  }

  status(userId: string): PresenceStatus {
    return this.online.has(userId) ? "online" : "offline";
  }

  availability(userId: string): Availability {
    if (!this.online.has(userId)) return "offline";
    return this.busy.has(userId) ? "busy" : "available";
  }

  onlineCount(): number {
    return this.online.size;
  }
}
