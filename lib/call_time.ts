/** How long a call lasted, the one rule for the server, the pages and the CLI. */
import type { CallRecord } from "./types.ts";

/** From an Expert's accept to the end, or to `now` while the call goes on; 0 when never answered (ms). */
export function callDuration(call: Pick<CallRecord, "startTime" | "endedAt">, now: number): number {
  if (!call.startTime) return 0;
  return Math.max(0, (call.endedAt ?? now) - call.startTime);
}
