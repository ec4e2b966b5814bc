/**
 * The rules of a call record, as pure functions: who is a participant, what a valid call id is, how
 * the timeline is kept and what ending a call does to the record. CallService applies them atomically.
 */
import type { Identity } from "../auth/tokens.ts";
import type {
  CallRecord,
  EndReason,
  Invitation,
  InvitationState,
  Role,
  TimelineEntry,
} from "../../lib/types.ts";
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

/** Who is sent what `userId` adds to the call (annotations, chat): every other participant. */
export const otherParticipants = (call: CallRecord, userId: string) =>
  call.participants.map((p) => p.userId).filter((id) => id !== userId);

/** The invitations still ringing (one at most while the UI rings one Expert at a time). */
export const ringingInvitations = (call: CallRecord): Invitation[] =>
  (call.invitations ?? []).filter((i) => i.state === "ringing");

/** The invitation ringing `userId` (or anyone, without it). */
export const ringingInvitation = (call: CallRecord, userId?: string): Invitation | undefined =>
  ringingInvitations(call).find((i) => userId === undefined || i.userId === userId);

/** Rings a user into the call. */
export function invite(call: CallRecord, user: { userId: string; role: Role }, now: number): void {
  call.invitations = [...call.invitations ?? [], { ...user, since: now, state: "ringing" }];
  log(call, { type: "ringing", userId: user.userId }, now);
}

/** Ends a ring with its outcome. */
export function closeInvitation(
  invitation: Invitation,
  state: Exclude<InvitationState, "ringing">,
  now: number,
): void {
  invitation.state = state;
  invitation.endedAt = now;
}

const isMember = (call: CallRecord, userId: string) =>
  call.participants.some((p) => p.userId === userId) || !!ringingInvitation(call, userId);

/**
 * Offers, answers and candidates may pass between two members of an open call (participants, and users
 * being rung, whose page warms the call up while it rings), one of them a participant. In a call of two:
 * Technician ↔ rung Expert while pending, the two participants once active.
 */
export const mayRelay = (call: CallRecord, from: string, to: string) =>
  call.status !== "ended" && from !== to && isMember(call, from) && isMember(call, to) &&
  call.participants.some((p) => p.userId === from || p.userId === to);

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
  const outcome = (["rejected", "timeout", "cancelled", "unavailable"] as const).find((r) => r === reason);
  for (const i of ringingInvitations(call)) closeInvitation(i, outcome ?? "cancelled", now);
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
