/**
 * The server → client Socket.IO events as zod schemas, for the AsyncAPI document (`/api/asyncapi.json`)
 * and the tests that check real payloads against it. The client → server ones are protocol.ts's
 * socketSchemas. `satisfies` makes a new event in ServerToClientEvents fail the type check until it
 * is described here.
 */
import { z } from "zod";
import { annotation, chatMessage, frozenFrame, snapshotInfo } from "./api_schemas.ts";
import type { ClientToServerEvents, ServerToClientEvents } from "./protocol.ts";
import { ROLES } from "./types.ts";

const id = z.string();
const statusChange = z.object({
  userId: id,
  status: z.enum(["online", "offline"]),
  availability: z.enum(["available", "busy", "offline"]),
});
const description = z.object({
  type: z.enum(["offer", "answer", "pranswer", "rollback"]),
  sdp: z.string().optional(),
});
const candidate = z.object({
  candidate: z.string(),
  sdpMid: z.string().nullish(),
  sdpMLineIndex: z.number().int().nullish(),
  usernameFragment: z.string().nullish(),
}).nullable();

export interface EventDoc {
  schema: z.ZodType;
  description: string;
}

export const serverEvents = {
  "user-status-change": { schema: statusChange, description: "A user's presence changed (compat)." },
  "user-status-changes": {
    schema: z.object({ changes: z.array(statusChange) }),
    description:
      'Every change of one presence flush, for clients that connect with `auth: {presence: "batch"}`.',
  },
  "call-request": {
    schema: z.object({ callId: id, from: id, fromUsername: z.string().optional() }),
    description: "A Technician rings this Expert.",
  },
  "call-response": {
    schema: z.object({ callId: id, from: id, accepted: z.boolean(), reason: z.string().optional() }),
    description: "To the caller: accepted, or not with the reason (rejected, timeout, unavailable).",
  },
  "call-cancelled": {
    schema: z.object({ callId: id, from: id.optional(), reason: z.string().optional() }),
    description: "To the rung Expert: the ring stopped (cancelled by the caller, timeout).",
  },
  "call-request-handled": {
    schema: z.object({ callId: id, accepted: z.boolean() }),
    description: "To the Expert's other sockets: one of them answered the ring.",
  },
  "user-joined": {
    schema: z.object({
      userId: id,
      role: z.string(),
      socketId: z.string(),
      totalUsers: z.number().int(),
      callId: id,
    }),
    description: "To the call room: a participant entered.",
  },
  "user-left": {
    schema: z.object({ userId: id, callId: id }),
    description: "To the call room: a participant dropped and did not come back within the grace period.",
  },
  "existing-users": {
    schema: z.object({
      callId: id,
      users: z.array(z.object({ userId: id, username: z.string(), role: z.enum(ROLES) })),
    }),
    description: "To a participant entering the room: who is already there.",
  },
  "existing-annotations": {
    schema: z.object({ callId: id, annotations: z.array(annotation) }),
    description: "To a participant entering the room: the drawings so far.",
  },
  "existing-chat": {
    schema: z.object({ callId: id, messages: z.array(chatMessage) }),
    description: "To a participant entering the room: the chat so far.",
  },
  offer: {
    schema: z.object({ offer: description, from: id, callId: id }),
    description: "A WebRTC offer relayed from `from`.",
  },
  answer: {
    schema: z.object({ answer: description, from: id, callId: id }),
    description: "A WebRTC answer relayed from `from`.",
  },
  "ice-candidate": {
    schema: z.object({ candidate, from: id, callId: id }),
    description: "An ICE candidate relayed from `from` (null: the end of its candidates).",
  },
  annotation: {
    schema: annotation.extend({ callId: id }),
    description: "To the rest of the room: a drawing was added or changed.",
  },
  "annotation-deleted": {
    schema: z.object({ callId: id, id, from: id }),
    description: "To the room: one drawing was removed.",
  },
  "annotations-cleared": {
    schema: z.object({ callId: id, from: id }),
    description: "To the room: every drawing was removed.",
  },
  chat: { schema: chatMessage.extend({ callId: id }), description: "To the room: a chat message." },
  "call-ended": {
    schema: z.object({ from: id.optional(), callId: id, reason: z.string().optional() }),
    description: "To the room: the call ended, or `from` left it.",
  },
  "call-ended-successfully": {
    schema: z.object({ userId: id, callId: id, message: z.string() }),
    description: "To the sender of `end-call` (compat).",
  },
  "reconnect-success": {
    schema: z.object({ userId: id, message: z.string() }),
    description: "Answer to `reconnect-after-call` (compat).",
  },
  error: {
    schema: z.object({ message: z.string(), code: z.string(), event: z.string().optional() }),
    description: "A client event was refused; the same error goes to its acknowledgement.",
  },
  pong: { schema: z.object({ at: z.number() }), description: "Answer to `ping`." },
  "server-shutdown": {
    schema: z.object({ message: z.string() }),
    description: "This node is going away; the client reconnects (to another node) by itself.",
  },
  "frame-frozen": {
    schema: frozenFrame.extend({ callId: id }),
    description: "To the room: both sides now show this still (freeze frame); late joiners get it too.",
  },
  "frame-unfrozen": {
    schema: z.object({ callId: id, from: id }),
    description: "To the room: back to live video.",
  },
  "snapshot-added": { schema: snapshotInfo, description: "To the room: a snapshot was saved in the call." },
  "capture-requested": {
    schema: z.object({ callId: id, from: id, purpose: z.enum(["freeze", "snapshot"]) }),
    description:
      "To the Technician's sockets: capture a full-resolution still from the camera and upload it.",
  },
  "media-state": {
    schema: z.object({ callId: id, from: id, audio: z.boolean(), video: z.boolean() }),
    description:
      "To the room: a participant's microphone (`audio`) or camera (`video`) was turned off or on.",
  },
  "anchor-pose": {
    schema: z.object({
      callId: id,
      from: id,
      epoch: z.string(),
      seq: z.number().int(),
      state: z.enum(["tracking", "lost"]),
      pose: z.array(z.number()).length(9),
    }),
    description:
      "To the room: the Technician camera's pose (homography to the tracker's reference frame), relayed " +
      "when the peer-to-peer data channel is down; anchored drawings are drawn through it.",
  },
} satisfies Record<keyof ServerToClientEvents, EventDoc>;

/** What each client → server event does (the payloads are protocol.ts's socketSchemas). */
export const clientEventDescriptions: Record<keyof ClientToServerEvents & string, string> = {
  register: "Binds this socket to the signed-in user (compat).",
  "reconnect-after-call": "Registers again; answered with `reconnect-success` (compat).",
  logout: "The user goes offline on every socket.",
  "call-request": "The call's creator rings an online, available Expert (`to`).",
  "call-cancel": "The creator withdraws a ringing request.",
  "call-response": "The rung Expert accepts or declines.",
  "join-call": "A participant enters the call room; answered with existing-users/annotations/chat.",
  offer: "A WebRTC offer for participant `to`.",
  answer: "A WebRTC answer for participant `to`.",
  "ice-candidate": "An ICE candidate for participant `to`.",
  annotation: "Adds or changes a drawing (upsert by id); stored and sent to the room.",
  "annotation-delete": "Removes one drawing.",
  "annotation-clear": "Removes every drawing of the call.",
  chat: "A chat message to the room.",
  "end-call": "Leaves the call; the last participant out ends it.",
  ping: "Liveness; answered with `pong` (no payload).",
  freeze: "Both sides switch to this uploaded still (`snapshotId`); the room gets `frame-frozen`.",
  unfreeze: "Back to live video; the room gets `frame-unfrozen`.",
  "capture-request": "Asks the Technician's device for a full-resolution capture (`capture-requested`).",
  "set-availability": "An Expert's Do not disturb: shown to Technicians as busy, and never rung.",
  "media-state": "The sender's microphone or camera turned off or on; the room gets `media-state`.",
  "anchor-pose": "The Technician's camera pose (creator only, rate-limited); the room gets `anchor-pose`.",
  "anchor-pose-latest": "The call's latest camera pose (for a late joiner or a reload); ack `{ok, pose}`.",
};
