/**
 * REST response bodies, one type per route: the server answers with them (`c.json<T>`), the CLI and
 * the islands read them. Request bodies are the zod schemas of lib/protocol.ts.
 */
import type { CallDetail, CallRecord, CallSummary, PublicUser, UserStatus } from "./types.ts";

export type { LoginResponse } from "./protocol.ts";

/** `GET /api/experts` (compat). */
export interface ExpertsResponse {
  totalExperts: number;
  experts: UserStatus[];
}

/** `GET /api/users/status` (compat, Admin). */
export interface UsersStatusResponse {
  totalUsers: number;
  onlineUsers: number;
  users: UserStatus[];
}

/** `POST /api/create-call` (compat). */
export interface CreateCallResponse {
  callId: string;
}

/** `GET /api/calls` (compat, Admin). */
export interface CallsResponse {
  totalCalls: number;
  totalUsers: number;
  calls: CallSummary[];
}

/** `GET /api/calls/:id`. */
export type CallDetailResponse = CallDetail;

/** `GET /api/history`. */
export interface HistoryResponse {
  total: number;
  calls: CallRecord[];
}

/** `POST /api/users`, `PUT /api/users/:username/password`. */
export type UserResponse = PublicUser;

/** `POST /logout`, `POST /api/calls/:id/end`, `DELETE /api/users/:username`. */
export interface OkResponse {
  ok: true;
}

/** `GET /health` (compat); 503 with status "unhealthy" when the store is unreachable. */
export interface HealthResponse {
  status: "healthy" | "unhealthy";
  timestamp: string;
  uptime: number;
  version: string;
  connections: number;
  onlineUsers?: number;
  store: { kind: string; status: string };
}
