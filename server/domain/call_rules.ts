/**
 * The rules of a call record, as pure functions: who is a participant, what a valid call id is, how
 * the timeline is kept and what ending a call does to the record. CallService applies them atomically.
 */
import type { Identity } from "../auth/tokens.ts";
import type { CallRecord, EndReason, TimelineEntry } from "../../lib/types.ts";
import { idSchema } from "../../lib/protocol.ts";
import { parseOrThrow } from "./errors.ts";

const MAX_TIMELINE = 500;

export const newCallId = (now: number) => `call_${now.toString(36)}_${crypto.randomUUID().slice(0, 8)}`;

/** A call id as the store can hold it; anything else (e.g. 3,000 characters in a URL) is BAD_REQUEST. */
export const validCallId = (callId: string) => parseOrThrow(idSchema, callId);

/** Who acts on a call: the username on the wire, and since when that user exists. */
export type Member = Pick<Identity, "userId" | "since">;

/**
 * A participant is named by username; a call made before the user was created belongs to an earlier
 * user of the same name (deleted since), whose rights do not carry over.
 */
export const isParticipant = (call: CallRecord, who: Member) =>
  call.createdAt >= who.since && call.participants.some((p) => p.userId === who.userId);

export const presentUsers = (call: CallRecord) =>
  call.participants.filter((p) => p.present).map((p) => p.userId);

export function log(
  call: CallRecord,
  entry: Omit<TimelineEntry, "at">,
  at: number,
): void {
  call.timeline.push({ at, ...entry });
  if (call.timeline.length > MAX_TIMELINE) {
    call.timeline.splice(1, call.timeline.length - MAX_TIMELINE);
  }
}

export function finish(call: CallRecord, now: number, reason: EndReason, by?: string): CallRecord {
  call.status = "ended";
  call.endedAt = now;
  call.endReason = reason;
  delete call.ringing;
  for (const p of call.participants) {
    if (p.present) p.leftAt = now;
    p.present = false;
  }
  log(call, { type: "ended", userId: by, detail: reason }, now);
  return call;
}

/**
 * An accepted call stays open with nobody in the room while someone has not arrived yet and the arrival
 * window is open: the Expert's page may take longer than the grace period to replace the home page, and
 * the Technician has not joined yet (compat: the replaced server counted the caller in from the start).
 */
export const awaitsArrival = (call: CallRecord, now: number, windowMs: number) =>
  call.status === "active" && !call.participants.some((p) => p.present) &&
  call.participants.some((p) => p.joinedAt === undefined) && now < (call.startTime ?? now) + windowMs;
