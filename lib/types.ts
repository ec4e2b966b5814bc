/** Domain types shared by the server, the browser islands and the CLI. */
import type { FrozenFrame, SnapshotInfo } from "./snapshots.ts";

export const ROLES = ["Technician", "Expert", "Admin"] as const;
export type Role = typeof ROLES[number];

export type PresenceStatus = "online" | "offline";
export type Availability = "available" | "busy" | "offline";
export type CallStatus = "pending" | "active" | "ended";

export const ERROR_CODES = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "LIMIT_EXCEEDED",
  "PAYLOAD_TOO_LARGE",
  "INTERNAL",
] as const;
export type ErrorCode = typeof ERROR_CODES[number];

/** A user as the API shows it: never carries secrets. */
export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  createdAt: number;
}

/** A user and its presence, as the expert directory, the users status and the pages show it. */
export interface UserStatus {
  /** The username: on the wire a user's id is its username (compat). */
  id: string;
  username: string;
  role: Role;
  status: PresenceStatus;
  availability: Availability;
}

export interface Participant {
  userId: string;
  username: string;
  role: Role;
  /** Last time the participant joined the call room. */
  joinedAt?: number;
  /** Last time the participant left (or was dropped after the grace period). */
  leftAt?: number;
  /** True while the participant is in the call room. */
  present: boolean;
}

/** What became of an invitation to a call: rung now, or how the ring ended (the same words as end reasons). */
export const INVITATION_STATES = [
  "ringing",
  "accepted",
  "rejected",
  "timeout",
  "cancelled",
  "unavailable",
] as const;
export type InvitationState = typeof INVITATION_STATES[number];

/** A user asked into a call (today: the Expert a Technician rings); accepting makes them a participant. */
export interface Invitation {
  userId: string;
  /** The role the user is invited in. */
  role: Role;
  since: number;
  state: InvitationState;
  /** When the ring ended, whatever the outcome. */
  endedAt?: number;
}

export interface TimelineEntry {
  at: number;
  type: string;
  userId?: string;
  detail?: string;
}

export type EndReason =
  | "completed"
  | "rejected"
  | "timeout"
  | "cancelled"
  | "unavailable"
  | "ended-by-admin"
  | "ended"
  | string;

export interface CallRecord {
  callId: string;
  createdBy: string;
  status: CallStatus;
  createdAt: number;
  /** When an Expert accepted (call became active). */
  startTime?: number;
  endedAt?: number;
  endReason?: EndReason;
  participants: Participant[];
  /** Everyone ever rung for this call, in order; absent on records written before invitations existed. */
  invitations?: Invitation[];
  timeline: TimelineEntry[];
  /** The still both sides are looking at, while frozen (docs/snapshots-and-reports.md). */
  frozen?: FrozenFrame;
}

export const ANNOTATION_KINDS = [
  "pin",
  "stroke",
  "arrow",
  "rect",
  "ellipse",
] as const;
export type AnnotationKind = typeof ANNOTATION_KINDS[number];

export interface Annotation {
  id: string;
  text: string;
  x: number;
  y: number;
  from: string;
  objectId?: string;
  kind?: AnnotationKind;
  points?: [number, number][];
  color?: string;
  width?: number;
  frozenFrameId?: string;
  /** New: stuck to the object in the technician's picture rather than to the screen (issue 17). */
  anchor?: AnnotationAnchor;
}

/**
 * Where an anchored annotation was drawn: the tracker session (`epoch`) and that frame's pose, the
 * homography reference frame → drawn frame in normalised coordinates. The annotation's own x/y/points
 * stay in the drawn frame's coordinates (the compat shape), so old clients show it where it was drawn.
 */
export interface AnnotationAnchor {
  epoch: string;
  pose: number[];
}

/** New: the technician camera's current pose (reference frame → current frame, normalised). */
export interface AnchorPose {
  epoch: string;
  /** Increases with every pose of an epoch; a receiver ignores older ones (the data channel is unordered). */
  seq: number;
  state: "tracking" | "lost";
  pose: number[];
}

export interface ChatMessage {
  id: string;
  from: string;
  text: string;
  at: number;
}

/** `GET /api/calls/:id`: the full record. */
export interface CallDetail extends CallRecord {
  annotations: Annotation[];
  chat: ChatMessage[];
  duration: number;
  /** Only in REST answers (the blob store is beside the record store). */
  snapshots?: SnapshotInfo[];
}

export interface CallSummary {
  callId: string;
  users: string[];
  startTime: number;
  duration: number;
  annotations: number;
  status: CallStatus;
}
