/** OpenAPI description of snapshots.ts's routes. */
import { idSchema } from "../../lib/protocol.ts";
import { snapshotList, snapshotUploaded } from "../../lib/api_schemas.ts";
import type { RouteDoc } from "../openapi/route_doc.ts";

export const snapshotDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/calls/:id/snapshots",
    tag: "snapshots",
    summary: "Upload a snapshot of an active call (participants)",
    description:
      "The raw image is the body, with its `Content-Type` (image/jpeg, image/png or image/webp); " +
      "the bytes must match the type and the decoded size the limits. The room gets `snapshot-added`.",
    auth: "user",
    params: { id: idSchema },
    status: 201,
    response: snapshotUploaded,
    errors: ["FORBIDDEN", "NOT_FOUND", "CONFLICT", "PAYLOAD_TOO_LARGE", "LIMIT_EXCEEDED", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/calls/:id/snapshots",
    tag: "snapshots",
    summary: "A call's snapshots, oldest first (participants and Admins)",
    auth: "user",
    params: { id: idSchema },
    response: snapshotList,
    errors: ["FORBIDDEN", "NOT_FOUND"],
  },
  {
    method: "get",
    path: "/api/calls/:id/snapshots/:sid",
    tag: "snapshots",
    summary: "One snapshot's image bytes (participants and Admins)",
    auth: "user",
    params: { id: idSchema, sid: idSchema },
    response: {
      contentType: "image/jpeg",
      description: "The image as uploaded, with its own type (image/jpeg, image/png or image/webp)",
    },
    errors: ["FORBIDDEN", "NOT_FOUND"],
  },
];
