/** The OpenAPI 3.1 document, generated from the route files' RouteDoc lists with zod's own JSON Schema. */
import { z } from "zod";
import { VERSION } from "../../fresh.config.ts";
import { ERROR_CODES, type ErrorCode } from "../../lib/types.ts";
import { SESSION_COOKIE } from "../auth/tokens.ts";
import { ERROR_STATUS } from "../domain/errors.ts";
import type { RouteDoc } from "./route_doc.ts";

type Json = Record<string, unknown>;

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema: what a client sends, or what it gets. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** Codes every route may answer: a browser request from a foreign origin, and a server fault. */
const ALWAYS: ErrorCode[] = ["FORBIDDEN", "INTERNAL"];

function errorCodes(doc: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>([...ALWAYS, ...(doc.errors ?? [])]);
  if (doc.auth !== "public") codes.add("UNAUTHORIZED");
  if (doc.params || doc.query || doc.body) codes.add("BAD_REQUEST");
  if (doc.body) codes.add("PAYLOAD_TOO_LARGE");
  return ERROR_CODES.filter((c) => codes.has(c));
}

function errorResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  }
  const out: Json = {};
  for (const [status, list] of byStatus) {
    out[String(status)] = {
      description: list.join(" or "),
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["message", "code"],
            properties: { message: { type: "string" }, code: { type: "string", enum: list } },
          },
        },
      },
    };
  }
  return out;
}

const SECURITY: Record<RouteDoc["auth"], Json[]> = {
  public: [],
  user: [{ bearer: [] }, { session: [] }],
  admin: [{ bearer: [] }, { session: [] }],
  metrics: [{ metricsToken: [] }],
};

function parameters(doc: RouteDoc): Json[] {
  const out: Json[] = Object.entries(doc.params ?? {}).map(([name, schema]) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchema(schema, "input"),
  }));
  if (doc.query) {
    const q = jsonSchema(doc.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      out.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema });
    }
  }
  return out;
}

function operation(doc: RouteDoc): Json {
  const success = doc.response instanceof z.ZodType
    ? { description: "OK", content: { "application/json": { schema: jsonSchema(doc.response, "output") } } }
    : { description: doc.response.description, content: { [doc.response.contentType]: {} } };
  const responses: Json = { [String(doc.status ?? 200)]: success, ...errorResponses(errorCodes(doc)) };
  if (doc.otherStatus) {
    responses[String(doc.otherStatus.status)] = {
      description: doc.otherStatus.description,
      content: { "application/json": { schema: jsonSchema(doc.otherStatus.schema, "output") } },
    };
  }
  const op: Json = {
    operationId: `${doc.method}${
      openApiPath(doc.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c) => c?.toUpperCase() ?? "")
    }`,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: SECURITY[doc.auth],
    responses,
  };
  const params = parameters(doc);
  if (params.length) op.parameters = params;
  if (doc.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(doc.body, "input") } },
    };
  }
  return op;
}

export function openApiDocument(docs: RouteDoc[]): Json {
  const paths: Record<string, Json> = {};
  for (const doc of docs) (paths[openApiPath(doc.path)] ??= {})[doc.method] = operation(doc);
  return {
    openapi: "3.1.0",
    info: {
      title: "MobiMaint API",
      version: VERSION,
      description: "REST API of MobiMaint. Errors are `{message, code}`. Every route answers 403 FORBIDDEN " +
        "to a browser request from an origin not allowed (MOBIMAINT_ORIGINS), 413 PAYLOAD_TOO_LARGE to a " +
        "body over the limit, 500 INTERNAL on a fault. The Socket.IO events are described in " +
        "/api/asyncapi.json and on /api/docs/events.",
    },
    tags: [
      { name: "auth", description: "Signing in and out" },
      { name: "calls", description: "Calls and history" },
      { name: "users", description: "Experts, presence and user administration" },
      { name: "system", description: "Health, ICE servers, metrics" },
      { name: "docs", description: "This reference" },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "The token from POST /login" },
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        metricsToken: { type: "http", scheme: "bearer", description: "MOBIMAINT_METRICS_TOKEN" },
      },
    },
  };
}
