/**
 * What the REST API answers, as zod schemas: the OpenAPI document (`/api/openapi.json`) is generated
 * from them and from the request schemas of protocol.ts, and the tests check real responses against it.
 * The `satisfies` clauses keep them in line with the TypeScript types of types.ts.
 */
import { z } from "zod";
import {
  type Annotation,
  ANNOTATION_KINDS,
  type CallRecord,
  type ChatMessage,
  ERROR_CODES,
  INVITATION_STATES,
  ROLES,
} from "./types.ts";

const role = z.enum(ROLES);
const callStatus = z.enum(["pending", "active", "ended"]);
const time = z.number().describe("milliseconds since the Unix epoch");

export const apiError = z.object({
  message: z.string().describe("for people"),
  code: z.enum(ERROR_CODES).describe("for programs"),
});

export const okResponse = z.object({ ok: z.literal(true) });

export const loginResponse = z.object({
  userId: z.string(),
  role,
  username: z.string(),
  message: z.literal("Login successful"),
  token: z.string().describe("send as `Authorization: Bearer <token>`; also set as the session cookie"),
});

const annotationAnchor = z.object({ epoch: z.string(), pose: z.array(z.number()).length(9) });

export const annotation = z.object({
  id: z.string(),
  text: z.string(),
  x: z.number(),
  y: z.number(),
  from: z.string(),
  objectId: z.string().optional(),
  kind: z.enum(ANNOTATION_KINDS).optional(),
  points: z.array(z.tuple([z.number(), z.number()])).optional(),
  color: z.string().optional(),
  width: z.number().optional(),
  frozenFrameId: z.string().optional(),
  anchor: annotationAnchor.optional()
    .describe("anchored to the object: the tracker session and the pose of the frame it was drawn on"),
}) satisfies z.ZodType<Annotation>;

export const chatMessage = z.object({
  id: z.string(),
  from: z.string(),
  text: z.string(),
  at: time,
}) satisfies z.ZodType<ChatMessage>;

/** A snapshot of a call, as `POST /api/calls/:id/snapshots`, the call record and the socket events give it. */
export const snapshotInfo = z.object({
  id: z.string(),
  callId: z.string(),
  url: z.string().describe("where participants and Admins GET the image"),
  type: z.enum(["image/jpeg", "image/png", "image/webp"]),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  from: z.string().describe("who took it"),
  createdAt: time,
});

export const frozenFrame = z.object({
  snapshotId: z.string(),
  url: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  from: z.string(),
  at: time,
  anchor: annotationAnchor.optional()
    .describe("the Technician camera's pose when the still was taken: drawings on it stick to the object"),
});

export const snapshotUploaded = snapshotInfo.pick({
  id: true,
  url: true,
  width: true,
  height: true,
  type: true,
  bytes: true,
  createdAt: true,
});

export const snapshotList = z.object({ snapshots: z.array(snapshotInfo) });

export const callRecord = z.object({
  callId: z.string(),
  createdBy: z.string(),
  status: callStatus,
  createdAt: time,
  startTime: time.optional().describe("when an Expert accepted"),
  endedAt: time.optional(),
  endReason: z.string().optional().describe(
    "completed, rejected, timeout, cancelled, unavailable, ended-by-admin, ended, or the reason given",
  ),
  invitations: z.array(z.object({
    userId: z.string(),
    role,
    since: time.describe("when the ring started"),
    state: z.enum(INVITATION_STATES),
    endedAt: time.optional().describe("when the ring ended"),
  })).optional().describe("everyone rung for this call, in order (absent on calls made before invitations)"),
  frozen: frozenFrame.optional().describe("the still both sides look at, while frozen"),
  participants: z.array(z.object({
    userId: z.string(),
    username: z.string(),
    role,
    joinedAt: time.optional(),
    leftAt: time.optional(),
    present: z.boolean(),
  })),
  timeline: z.array(z.object({
    at: time,
    type: z.string(),
    userId: z.string().optional(),
    detail: z.string().optional(),
  })),
}) satisfies z.ZodType<CallRecord>;

export const callDetail = callRecord.extend({
  annotations: z.array(annotation),
  chat: z.array(chatMessage),
  duration: z.number().describe("ms from acceptance to the end (or now)"),
  snapshots: z.array(snapshotInfo).optional(),
});

export const createCallResponse = z.object({ callId: z.string() });

export const callsList = z.object({
  totalCalls: z.number().int(),
  totalUsers: z.number().int(),
  calls: z.array(z.object({
    callId: z.string(),
    users: z.array(z.string()),
    startTime: time,
    duration: z.number(),
    annotations: z.number().int(),
    status: callStatus,
  })),
});

export const historyResponse = z.object({ total: z.number().int(), calls: z.array(callRecord) });

const userStatus = z.object({
  id: z.string(),
  username: z.string(),
  role,
  status: z.enum(["online", "offline"]),
  availability: z.enum(["available", "busy", "offline"]),
});

export const expertsResponse = z.object({ totalExperts: z.number().int(), experts: z.array(userStatus) });

export const usersStatusResponse = z.object({
  totalUsers: z.number().int(),
  onlineUsers: z.number().int(),
  users: z.array(userStatus),
});

export const publicUser = z.object({ id: z.string(), username: z.string(), role, createdAt: time });

export const healthResponse = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  timestamp: z.string().describe("ISO 8601"),
  uptime: z.number().describe("seconds"),
  version: z.string(),
  connections: z.number().int().describe("sockets connected to this node"),
  onlineUsers: z.number().int(),
  store: z.object({ kind: z.enum(["kv", "redis"]), status: z.enum(["ok", "unreachable"]) }),
  turn: z.object({
    status: z.enum(["ok", "degraded", "unreachable", "not-configured"]),
    servers: z.array(z.object({
      url: z.string(),
      reachable: z.boolean(),
      ms: z.number().optional(),
      error: z.string().optional(),
    })),
  }).optional().describe(
    "STUN Binding probe of each TURN URL (cached 15 s); absent on servers older than TURN probing",
  ),
});

export const iceServersResponse = z.object({
  iceServers: z.array(z.object({
    urls: z.union([z.string(), z.array(z.string())]),
    username: z.string().optional().describe("TURN REST username `expiry:userId`"),
    credential: z.string().optional(),
  })),
  ttl: z.number().int().describe("seconds the TURN credentials stay valid"),
  iceTransportPolicy: z.enum(["all", "relay"]).describe(
    "`relay`: use TURN only (MOBIMAINT_ICE_TRANSPORT_POLICY)",
  ),
});
