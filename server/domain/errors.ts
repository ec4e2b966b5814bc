import type { ErrorCode } from "../../lib/types.ts";

/** The HTTP status of each error code (REST answers with it). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  LIMIT_EXCEEDED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** The one error type of the domain; REST and sockets map it to their wire shapes. */
export class AppError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = "AppError";
    this.status = status ?? ERROR_STATUS[code];
  }
}

export const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
export const forbidden = (message: string) => new AppError("FORBIDDEN", message);
export const notFound = (message: string) => new AppError("NOT_FOUND", message);
export const conflict = (message: string) => new AppError("CONFLICT", message);

/** Turns a zod error into one readable line: "field: problem; field: problem". */
export function describeIssues(
  issues: { path: PropertyKey[]; message: string }[],
): string {
  return issues.slice(0, 5).map((i) => `${i.path.map(String).join(".") || "payload"}: ${i.message}`)
    .join("; ");
}

/** Parses with a zod schema or throws BAD_REQUEST. */
export function parseOrThrow<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | {
      success: false;
      error: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
): T {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(describeIssues(r.error.issues));
  return r.data;
}
