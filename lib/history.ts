/** A past call as the home pages list it (built from `GET /api/history` records). */
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

export function toHistoryItem(call: CallRecord, myUserId: string): HistoryItem {
  const end = call.endedAt ?? call.startTime ?? call.createdAt;
  return {
    callId: call.callId,
    at: call.createdAt,
    with: call.participants.filter((p) => p.userId !== myUserId).map((p) => p.username),
    status: call.status,
    endReason: call.endReason,
    durationSec: call.startTime ? Math.max(0, Math.round((end - call.startTime) / 1000)) : 0,
    mine: call.createdBy === myUserId,
    createdByName: call.participants.find((p) => p.userId === call.createdBy)?.username,
    rung: call.ringing?.to ?? call.timeline.findLast((t) => t.type === "ringing")?.userId,
    startedAt: call.startTime,
  };
}

export interface Me {
  userId: string;
  username: string;
  role: string;
}

export interface ExpertEntry {
  id: string;
  username: string;
  status: "online" | "offline";
  availability: "available" | "busy" | "offline";
}
