/** OpenAPI description of routes.ts's routes (the reference describes itself too). */
import { z } from "zod";
import type { RouteDoc } from "./route_doc.ts";

/** The Swagger UI files a page may ask for, with their types. */
export const DOC_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "init.js": "text/javascript; charset=utf-8",
};

const document = z.record(z.string(), z.unknown());

export const docsDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/openapi.json",
    tag: "docs",
    summary: "This OpenAPI 3.1 document",
    auth: "public",
    response: document.describe("OpenAPI 3.1"),
  },
  {
    method: "get",
    path: "/api/asyncapi.json",
    tag: "docs",
    summary: "The Socket.IO events as an AsyncAPI 3.0 document",
    auth: "public",
    response: document.describe("AsyncAPI 3.0"),
  },
  {
    method: "get",
    path: "/api/docs",
    tag: "docs",
    summary: "Interactive API reference (Swagger UI)",
    auth: "public",
    response: { contentType: "text/html", description: "HTML page" },
  },
  {
    method: "get",
    path: "/api/docs/events",
    tag: "docs",
    summary: "The Socket.IO events, as a page",
    auth: "public",
    response: { contentType: "text/html", description: "HTML page" },
  },
  {
    method: "get",
    path: "/api/docs/:file",
    tag: "docs",
    summary: "The reference page's script and style files",
    auth: "public",
    params: { file: z.enum(Object.keys(DOC_ASSETS) as [string, ...string[]]) },
    response: { contentType: "text/javascript", description: "a script, or text/css for the style sheet" },
    errors: ["NOT_FOUND"],
  },
];
