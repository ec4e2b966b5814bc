/**
 * How a route file describes its routes for the OpenAPI document: the same zod schema objects the
 * routes validate with (protocol.ts, through server/api/validate.ts) and answer with (api_schemas.ts).
 * Each `*_doc.ts` beside a route file exports a list of these; server/openapi/document.ts turns them into
 * OpenAPI 3.1.
 */
import type { z } from "zod";
import type { ErrorCode } from "../../lib/types.ts";

export interface RouteDoc {
  method: "get" | "post" | "put" | "delete";
  /** The Hono pattern, e.g. `/api/calls/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Who may call it: anyone, any signed-in user, an Admin, or the holder of the metrics token. */
  auth: "public" | "user" | "admin" | "metrics";
  /** Path parameters by name, with the schemas the route's `validParam` applies. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status, when not 200 (an upload answers 201). */
  status?: 201;
  /** The success answer: a JSON schema, or another content type (text, HTML, script). */
  response: z.ZodType | { contentType: string; description: string };
  /** Other answers besides 200 that are not errors (e.g. `/health`'s 503), with their schema. */
  otherStatus?: { status: number; description: string; schema: z.ZodType };
  /** The error codes this route can answer beyond those its auth, params, query and body imply. */
  errors?: ErrorCode[];
}
