/** OpenAPI description of calls.ts's routes. */
import { createCallBody, endCallBody, historyQuery, idSchema } from "../../lib/protocol.ts";
import {
  callDetail,
  callsList,
  createCallResponse,
  historyResponse,
  okResponse,
} from "../../lib/api_schemas.ts";
import type { RouteDoc } from "../openapi/route_doc.ts";

export const callDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/create-call",
    tag: "calls",
    summary: "Create a call (Technician)",
    description: "The call starts `pending`; ring an Expert with the socket event `call-request`.",
    auth: "user",
    body: createCallBody,
    response: createCallResponse,
    errors: ["FORBIDDEN"],
  },
  {
    method: "get",
    path: "/api/calls",
    tag: "calls",
    summary: "Every call, newest first (Admin)",
    auth: "admin",
    response: callsList,
  },
  {
    method: "get",
    path: "/api/calls/:id",
    tag: "calls",
    summary: "One call with its timeline, annotations and chat (participants and Admins)",
    auth: "user",
    params: { id: idSchema },
    response: callDetail,
    errors: ["FORBIDDEN", "NOT_FOUND"],
  },
  {
    method: "post",
    path: "/api/calls/:id/end",
    tag: "calls",
    summary: "End a call for everyone (participants and Admins)",
    auth: "user",
    params: { id: idSchema },
    body: endCallBody,
    response: okResponse,
    errors: ["FORBIDDEN", "NOT_FOUND", "CONFLICT"],
  },
  {
    method: "get",
    path: "/api/history",
    tag: "calls",
    summary: "The calls I took part in, newest first",
    auth: "user",
    query: historyQuery,
    response: historyResponse,
  },
];
