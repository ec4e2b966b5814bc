/**
 * The wire contract (../shared/PROTOCOL.md) as zod schemas: one schema per
 * payload. The server validates with them; browser and CLI import the types.
 * Size limits that depend on configuration are applied by the callers
 * through the `limits` argument of the schema factories.
 */
import { z } from "zod";
import type { BoardEvent } from "./board_namespace.ts";
import { ANNOTATION_KINDS, ROLES } from "./types.ts";
import type { AnchorPose, Annotation, Availability, ChatMessage, PresenceStatus } from "./types.ts";
import type { FrozenFrame, SnapshotInfo } from "./snapshots.ts";

const id = z.string().min(1).max(128);
/** A call, user or annotation id, as it appears in payloads and in REST paths. */
export const idSchema = id;
export const usernameSchema = z.string().trim().min(1).max(64).regex(
  /^[A-Za-z0-9._-]+$/,
  "username may contain letters, digits, dot, underscore and dash",
);
export const passwordSchema = z.string().min(1).max(256);
export const roleSchema = z.enum(ROLES);

// ---- REST ----
export const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: passwordSchema,
});
export const createCallBody = z.object({ userId: id.optional() });
export const endCallBody = z.object({ reason: z.string().max(200).optional() });
export const createUserBody = z.object({
  username: usernameSchema,
  password: z.string().min(1).max(256),
  role: roleSchema,
});
export const passwordBody = z.object({ password: z.string().min(1).max(256) });
export const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: z.coerce.number().int().positive().optional(),
});

export type LoginBody = z.infer<typeof loginBody>;
export type CreateUserBody = z.infer<typeof createUserBody>;

export interface LoginResponse {
  userId: string;
  role: string;
  username: string;
  message: "Login successful";
  token: string;
}

export interface ApiError {
  message: string;
  code: string;
}

// ---- Socket.IO ----

export interface SocketLimits {
  sdpBytes: number;
  candidateBytes: number;
  textChars: number;
  chatChars: number;
  pointsPerStroke: number;
}

const finite = z.number().finite();
const unit = z.number().finite().min(0).max(1);
/** A homography between normalised frames (row-major 3×3); bounded so nothing absurd is stored. */
const homography = z.array(z.number().finite().min(-1e6).max(1e6)).length(9);
const epoch = z.string().min(1).max(64);
/** Where an anchored drawing was made: the tracker session and that frame's pose. */
const annotationAnchor = z.object({ epoch, pose: homography });
export const anchorPoseSchema = z.object({
  epoch,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  state: z.enum(["tracking", "lost"]),
  pose: homography,
});

/** Builds every client→server payload schema with the configured size limits. */
export function socketSchemas(l: SocketLimits) {
  const description = z.object({
    type: z.enum(["offer", "answer", "pranswer", "rollback"]),
    sdp: z.string().max(l.sdpBytes).optional(),
  });
  const candidate = z.object({
    candidate: z.string().max(l.candidateBytes),
    sdpMid: z.string().max(64).nullish(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullish(),
    usernameFragment: z.string().max(256).nullish(),
  }).nullable();
  return {
    register: z.object({ userId: id.optional() }),
    "reconnect-after-call": z.object({ userId: id.optional() }),
    logout: z.object({ userId: id.optional() }),
    "call-request": z.object({ callId: id, from: id.optional(), to: id }),
    "call-cancel": z.object({ callId: id }),
    "call-response": z.object({ callId: id, from: id.optional(), to: id.optional(), accepted: z.boolean() }),
    "join-call": z.object({ callId: id, userId: id.optional(), role: z.string().max(32).optional() }),
    offer: z.object({ callId: id, offer: description, to: id }),
    answer: z.object({ callId: id, answer: description, to: id }),
    "ice-candidate": z.object({ callId: id, candidate, to: id }),
    annotation: z.object({
      callId: id,
      id,
      text: z.string().max(l.textChars).default(""),
      x: finite,
      y: finite,
      from: id.optional(),
      objectId: z.string().max(128).optional(),
      kind: z.enum(ANNOTATION_KINDS).optional(),
      points: z.array(z.tuple([unit, unit])).max(l.pointsPerStroke).optional(),
      color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/).optional(),
      width: z.number().finite().positive().max(1).optional(),
      frozenFrameId: z.string().max(128).optional(),
      anchor: annotationAnchor.optional(),
    }).refine((a) => !a.kind || a.kind === "pin" || (a.points?.length ?? 0) >= 1, {
      message: "points are required for stroke, arrow, rect and ellipse",
      path: ["points"],
    }),
    "annotation-delete": z.object({ callId: id, id }),
    "annotation-clear": z.object({ callId: id }),
    chat: z.object({ callId: id, id, text: z.string().trim().min(1).max(l.chatChars) }),
    "end-call": z.object({ callId: id, to: id.optional() }),
    // New (docs/snapshots-and-reports.md): the frozen frame and full-resolution captures.
    // `anchor`: the Technician's camera pose when it took the still, so drawings on it stick to the object.
    freeze: z.object({ callId: id, snapshotId: id, anchor: annotationAnchor.optional() }),
    unfreeze: z.object({ callId: id }),
    "capture-request": z.object({ callId: id, purpose: z.enum(["freeze", "snapshot"]) }),
    /** New: an Expert's "Do not disturb" (shown to Technicians as `availability: "busy"`). */
    "set-availability": z.object({ doNotDisturb: z.boolean() }),
    /** New: the sender's microphone / camera turned off or on, for the others in the call to show. */
    "media-state": z.object({ callId: id, audio: z.boolean(), video: z.boolean() }),
    "anchor-pose": anchorPoseSchema.extend({ callId: id }),
    "anchor-pose-latest": z.object({ callId: id }),
  };
}

export type SocketSchemas = ReturnType<typeof socketSchemas>;
export type ClientEventName = keyof SocketSchemas | "ping";
export type Payload<E extends keyof SocketSchemas> = z.infer<SocketSchemas[E]>;

export type AckResult<T = Record<string, unknown>> =
  | ({ ok: true } & T)
  | { ok: false; error: { code: string; message: string } };
export type Ack = (result: AckResult) => void;

type ClientEvent<E extends keyof SocketSchemas> = (payload: z.input<SocketSchemas[E]>, ack?: Ack) => void;

export type ClientToServerEvents = { [E in keyof SocketSchemas]: ClientEvent<E> } & {
  ping: (ack?: Ack) => void;
};

/** One user's presence, as `user-status-change` carries it. */
export interface StatusChange {
  userId: string;
  status: PresenceStatus;
  availability: Availability;
}

/**
 * New: a call page's second, receive-only connection (namespace `/board`). It carries copies of the call's
 * new annotations and chat messages, so that on a lossy link one held by a lost segment on the signaling
 * connection can come by the other (server/signaling/board_stream.ts).
 */
export type BoardStreamEvents = Pick<ServerToClientEvents, BoardEvent | "error">;

export interface ServerToClientEvents {
  "user-status-change": (p: StatusChange) => void;
  /** New: every change of one flush in one packet, for clients that connect with `auth: {presence: "batch"}`. */
  "user-status-changes": (p: { changes: StatusChange[] }) => void;
  "call-request": (p: { callId: string; from: string; fromUsername?: string }) => void;
  "call-response": (p: { callId: string; from: string; accepted: boolean; reason?: string }) => void;
  "call-cancelled": (p: { callId: string; from?: string; reason?: string }) => void;
  "call-request-handled": (p: { callId: string; accepted: boolean }) => void;
  "user-joined": (
    p: { userId: string; role: string; socketId: string; totalUsers: number; callId: string },
  ) => void;
  "user-left": (p: { userId: string; callId: string }) => void;
  "existing-users": (
    p: { callId: string; users: { userId: string; username: string; role: string }[] },
  ) => void;
  "existing-annotations": (p: { callId: string; annotations: Annotation[] }) => void;
  "existing-chat": (p: { callId: string; messages: ChatMessage[] }) => void;
  offer: (p: { offer: unknown; from: string; callId: string }) => void;
  answer: (p: { answer: unknown; from: string; callId: string }) => void;
  "ice-candidate": (p: { candidate: unknown; from: string; callId: string }) => void;
  annotation: (p: Annotation & { callId: string }) => void;
  "annotation-deleted": (p: { callId: string; id: string; from: string }) => void;
  "annotations-cleared": (p: { callId: string; from: string }) => void;
  chat: (p: ChatMessage & { callId: string }) => void;
  /** New: the technician camera's pose, relayed when the peer-to-peer data channel is not open. */
  "anchor-pose": (p: AnchorPose & { callId: string; from: string }) => void;
  "call-ended": (p: { from?: string; callId: string; reason?: string }) => void;
  "call-ended-successfully": (p: { userId: string; callId: string; message: string }) => void;
  "reconnect-success": (p: { userId: string; message: string }) => void;
  error: (p: { message: string; code: string; event?: string }) => void;
  pong: (p?: { at: number }) => void;
  "server-shutdown": (p: { message: string }) => void;
  /** New: both sides show this still (also sent to whoever joins while frozen). */
  "frame-frozen": (p: FrozenFrame & { callId: string }) => void;
  "frame-unfrozen": (p: { callId: string; from: string }) => void;
  "snapshot-added": (p: SnapshotInfo) => void;
  /** New: another participant asks the Technician's device for a full-resolution capture. */
  "capture-requested": (p: { callId: string; from: string; purpose: "freeze" | "snapshot" }) => void;
  "media-state": (p: { callId: string; from: string; audio: boolean; video: boolean }) => void;
}
