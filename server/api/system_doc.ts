/** OpenAPI description of system.ts's routes. */
import { healthResponse, iceServersResponse } from "../../lib/api_schemas.ts";
import type { RouteDoc } from "../openapi/route_doc.ts";

export const systemDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    tag: "system",
    summary: "Health of this node and its store",
    auth: "public",
    response: healthResponse,
    otherStatus: { status: 503, description: "The store is unreachable", schema: healthResponse },
  },
  {
    method: "get",
    path: "/api/ice-servers",
    tag: "system",
    summary: "STUN and TURN servers for WebRTC, TURN with time-limited credentials",
    auth: "user",
    response: iceServersResponse,
  },
];
