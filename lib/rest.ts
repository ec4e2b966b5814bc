/**
 * REST response bodies, one type per route, inferred from the zod schemas of lib/api_schemas.ts that
 * also describe them in the OpenAPI document: the server answers with them (`c.json<T>`), the CLI and
 * the islands read them. Request bodies are the schemas of lib/protocol.ts.
 */
import type { z } from "zod";
import type {
  callDetail,
  callsList,
  createCallResponse,
  expertsResponse,
  healthResponse,
  historyResponse,
  iceServersResponse,
  okResponse,
  publicUser,
  snapshotList,
  snapshotUploaded,
  usersStatusResponse,
} from "./api_schemas.ts";

export type { LoginResponse } from "./protocol.ts";

/** `GET /api/experts` (compat). */
export type ExpertsResponse = z.infer<typeof expertsResponse>;
/** `GET /api/users/status` (compat, Admin). */
export type UsersStatusResponse = z.infer<typeof usersStatusResponse>;
/** `POST /api/create-call` (compat). */
export type CreateCallResponse = z.infer<typeof createCallResponse>;
/** `GET /api/calls` (compat, Admin). */
export type CallsResponse = z.infer<typeof callsList>;
/** `GET /api/calls/:id`. */
export type CallDetailResponse = z.infer<typeof callDetail>;
/** `GET /api/history`. */
export type HistoryResponse = z.infer<typeof historyResponse>;
/** `POST /api/users`, `PUT /api/users/:username/password`. */
export type UserResponse = z.infer<typeof publicUser>;
/** `POST /logout`, `POST /api/calls/:id/end`, `DELETE /api/users/:username`. */
export type OkResponse = z.infer<typeof okResponse>;
/** `GET /health` (compat); 503 with status "unhealthy" when the store is unreachable. */
export type HealthResponse = z.infer<typeof healthResponse>;
/** `GET /api/ice-servers`. */
export type IceServersResponse = z.infer<typeof iceServersResponse>;
/** `POST /api/calls/:id/snapshots` (201). */
export type SnapshotUploadedResponse = z.infer<typeof snapshotUploaded>;
/** `GET /api/calls/:id/snapshots`. */
export type SnapshotListResponse = z.infer<typeof snapshotList>;
