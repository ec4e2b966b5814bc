/**
 * The experts a Technician's page lists: the directory (`GET /api/experts`) and the presence changes the
 * socket pushes. A directory answer tells how things were when the server read it; a change heard while that
 * answer was on its way is newer, so it is kept (else an Expert who just turned Do not disturb off could stay
 * "busy" on the page until their next change).
 */
import type { Signal } from "@preact/signals";
import type { StatusChange } from "../protocol.ts";
import type { UserStatus } from "../types.ts";

export class ExpertDirectory {
  /** Counts the pushes heard; `heardAt` keeps, per user, the count of the last push that named them. */
  private heard = 0;
  private readonly heardAt = new Map<string, number>();

  constructor(readonly experts: Signal<UserStatus[]>) {}

  /** Applies pushed changes (`user-status-changes`). */
  changed(changes: StatusChange[]): void {
    this.heard++;
    const byId = new Map(changes.map((c) => [c.userId, c]));
    for (const id of byId.keys()) this.heardAt.set(id, this.heard);
    this.experts.value = this.experts.value.map((e) => {
      const c = byId.get(e.id);
      return c ? { ...e, status: c.status, availability: c.availability } : e;
    });
  }

  /** Fetches the directory and applies it, keeping what was pushed meanwhile. */
  async refresh(fetch: () => Promise<UserStatus[]>): Promise<void> {
    const asked = this.heard;
    const list = await fetch();
    const shown = new Map(this.experts.value.map((e) => [e.id, e]));
    this.experts.value = list.map((e) => {
      const pushed = shown.get(e.id);
      return pushed && (this.heardAt.get(e.id) ?? 0) > asked
        ? { ...e, status: pushed.status, availability: pushed.availability }
        : e;
    });
  }
}
