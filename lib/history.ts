/** A past call as the home pages list it (built from `GET /api/history` records). */
import { callDuration } from "./call_time.ts";
import type { CallRecord } from "./types.ts";

export interface HistoryItem {
  callId: string;
  at: number;
  /** Usernames of the other participants. */
  with: string[];
  status: CallRecord["status"];
  endReason?: string;
  durationSec: number;
  /** True when the reader placed the call. */
  mine: boolean;
  /** The caller's username. */
  createdByName?: string;
  /** The Expert last rung (user ids are usernames on the wire). */
  rung?: string;
  startedAt?: number;
}

export function toHistoryItem(call: CallRecord, myUserId: string, now = Date.now()): HistoryItem {
  return {
    callId: call.callId,
    at: call.createdAt,
    with: call.participants.filter((p) => p.userId !== myUserId).map((p) => p.username),
    status: call.status,
    endReason: call.endReason,
    durationSec: Math.round(callDuration(call, now) / 1000),
    mine: call.createdBy === myUserId,
    createdByName: call.participants.find((p) => p.userId === call.createdBy)?.username,
    // Calls made before invitations were recorded still name the rung Expert in their timeline.
    rung: call.invitations?.at(-1)?.userId ?? call.timeline.findLast((t) => t.type === "ringing")?.userId,
    startedAt: call.startTime,
  };
}

export interface Me {
  userId: string;
  username: string;
  role: string;
}
