/**
 * The API reference: `/api/openapi.json` (REST), `/api/asyncapi.json` (Socket.IO), `/api/docs` (Swagger UI,
 * its files served from the swagger-ui-dist package, no CDN and no inline script, so it runs under the
 * CSP) and `/api/docs/events` (the socket events as a page).
 */
import { join } from "node:path";
import { Hono } from "hono";
import getAbsoluteFSPath from "swagger-ui-dist/absolute-path.js";
import type { Deps, Env } from "../context.ts";
import { notFound } from "../domain/errors.ts";
import { allRouteDocs } from "./all_docs.ts";
import { asyncApiDocument } from "./asyncapi.ts";
import { openApiDocument } from "./document.ts";
import { eventsPage } from "./events_page.ts";
import { DOC_ASSETS } from "./routes_doc.ts";

const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MobiMaint API reference</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head><body>
<p style="font:14px system-ui,sans-serif;margin:1rem 2rem">Socket.IO events: <a href="/api/docs/events">/api/docs/events</a>
(<a href="/api/asyncapi.json">AsyncAPI</a>) · <a href="/api/openapi.json">OpenAPI document</a></p>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`;

export function docsRoutes(deps: Deps) {
  let openApi: unknown, asyncApi: Record<string, unknown> | undefined;
  const asyncDoc = () => asyncApi ??= asyncApiDocument(deps.config.limits);
  const assets = new Map<string, Promise<Uint8Array>>();
  const asset = (file: string) => {
    if (file === "init.js") return Promise.resolve(new TextEncoder().encode(INIT));
    let p = assets.get(file);
    if (!p) assets.set(file, p = Deno.readFile(join(getAbsoluteFSPath(), file)));
    return p;
  };
  const cache = "public, max-age=3600";
  return new Hono<Env>()
    .get("/api/openapi.json", (c) => c.json(openApi ??= openApiDocument(allRouteDocs)))
    .get("/api/asyncapi.json", (c) => c.json(asyncDoc()))
    .get("/api/docs", (c) => c.html(PAGE))
    .get("/api/docs/events", (c) => c.html(eventsPage(asyncDoc())))
    .get("/api/docs/:file", async (c) => {
      const file = c.req.param("file");
      const type = Object.hasOwn(DOC_ASSETS, file) ? DOC_ASSETS[file] : undefined;
      if (!type) throw notFound("Not found");
      return c.body(await asset(file) as Uint8Array<ArrayBuffer>, 200, {
        "content-type": type,
        "cache-control": cache,
      });
    });
}
