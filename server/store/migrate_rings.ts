/**
 * Upgrade of calls written before invitations: a call still ringing when the previous version stopped
 * held its ring as `ringing: {to, since}`. On start, each open call holding one gets it as a ringing
 * invitation, so the ring goes on (and times out, or is answered) after the upgrade. Only open calls can
 * hold a ring: ending a call removed it. Idempotent; several nodes may run it at once.
 */
import type { CallRecord } from "../../lib/types.ts";
import type { Store } from "./store.ts";

/** The field the previous version kept the ring in. */
export interface LegacyRing {
  ringing?: { to: string; since: number };
}

export async function migrateRings(store: Store): Promise<number> {
  let migrated = 0;
  for (const open of await store.listOpenCalls()) {
    if (!(open as LegacyRing).ringing) continue;
    const r = await store.updateCall(open.callId, (call: CallRecord & LegacyRing) => {
      const ring = call.ringing;
      if (!ring) return null;
      delete call.ringing;
      call.invitations = [
        ...call.invitations ?? [],
        { userId: ring.to, role: "Expert", since: ring.since, state: "ringing" },
      ];
      return call;
    });
    if (r?.changed) migrated++;
  }
  return migrated;
}
