/**
 * The Fresh-conventions layer as a Hono sub-app: file routes from `routes/`,
 * islands from `islands/`, island bundles under `/_fresh/js/` (immutable)
 * and the files of `static/` at the root.
 */
import { join } from "node:path";
import { type Context, Hono } from "hono";
import { buildIslands, type BundleSet, loadPrebuilt } from "./bundle.ts";
import { registerIsland } from "./islands.ts";
import { JS_PREFIX, renderPage } from "./render.ts";
import { discoverRoutes, importModule } from "./routes.ts";
import type { AppModule, FreshContext, Handler, RouteModule } from "./types.ts";

export type { FreshContext, Handlers, PageProps } from "./types.ts";

export interface FreshOptions<State> {
  /** Project root holding routes/, islands/ and static/. */
  root: string;
  /** Per-request state handed to handlers and pages (e.g. the signed-in user). */
  state: (c: Context) => State | Promise<State>;
}

/** Island name → absolute path, from the PascalCase files of `islands/`. */
export async function listIslands(root: string): Promise<Record<string, string>> {
  const islands: Record<string, string> = {};
  try {
    for await (const e of Deno.readDir(join(root, "islands"))) {
      const m = /^([A-Za-z][A-Za-z0-9_]*)\.(tsx|jsx|ts|js)$/.exec(e.name);
      if (e.isFile && m) islands[m[1]] = join(root, "islands", e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return islands;
}

/**
 * Worker name → absolute path, from the files of `workers/`: each is bundled as a module worker and
 * its URL given to the page's islands (`workerUrl(name)` in client.ts).
 */
export async function listWorkers(root: string): Promise<Record<string, string>> {
  const workers: Record<string, string> = {};
  try {
    for await (const e of Deno.readDir(join(root, "workers"))) {
      const m = /^([a-z][a-z0-9_-]*)\.(ts|js)$/.exec(e.name);
      if (e.isFile && m) workers[m[1]] = join(root, "workers", e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return workers;
}

/** Prebuilt bundles when up to date, else a fresh in-memory build. */
export async function loadBundles(
  root: string,
  islands: Record<string, string>,
  workers: Record<string, string> = {},
): Promise<BundleSet> {
  if (!Object.keys(islands).length) return { islands: {}, workers: {}, files: new Map(), source: "memory" };
  return await loadPrebuilt(root, islands, workers) ?? (await buildIslands(root, islands, workers)).set;
}

const CONTENT_TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  webmanifest: "application/manifest+json",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  webp: "image/webp",
  woff2: "font/woff2",
};

export async function freshApp<State>(opts: FreshOptions<State>): Promise<Hono> {
  const { root } = opts;
  const islands = await listIslands(root);
  for (const [name, path] of Object.entries(islands)) {
    const mod = await importModule<{ default?: unknown }>(path);
    if (typeof mod.default !== "function") throw new Error(`islands/${name}: no default export component`);
    registerIsland(name, mod.default as () => null);
  }
  const bundles = await loadBundles(root, islands, await listWorkers(root));
  const appShell = await importModule<AppModule>(join(root, "routes/_app.tsx")).catch(() => undefined);
  const app = new Hono();

  // Files of static/ win over routes, as in Fresh.
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return await next();
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return await next(); // malformed escapes: not a file
    }
    if (path.endsWith("/") || path.split("/").some((s) => s === ".." || s.startsWith("."))) {
      return await next();
    }
    const file = join(root, "static", path);
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(file);
    } catch {
      return await next();
    }
    return c.body(body, 200, {
      "content-type": CONTENT_TYPES[file.split(".").pop() ?? ""] ?? "application/octet-stream",
      "cache-control": "public, max-age=300",
    });
  });

  app.get(`${JS_PREFIX}:file`, (c) => {
    const body = bundles.files.get(c.req.param("file"));
    if (!body) return c.notFound();
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": CONTENT_TYPES.js,
      "cache-control": "public, max-age=31536000, immutable",
    });
  });

  for (const route of await discoverRoutes(join(root, "routes"))) {
    const mod = await importModule<RouteModule>(join(root, "routes", route.file));
    const page = mod.default;
    app.all(route.pattern, async (c) => {
      const url = new URL(c.req.url);
      const params = c.req.param() as Record<string, string>;
      const state = await opts.state(c);
      const ctx: FreshContext<unknown, State> = {
        req: c.req.raw,
        url,
        params,
        state,
        render: (data, init) => {
          if (!page) throw new Error(`routes/${route.file} has no page component`);
          const html = renderPage({
            app: appShell?.default,
            page,
            props: { url, params, data, state },
            bundles: () => bundles,
          });
          return Promise.resolve(
            new Response(html, {
              ...init,
              headers: { "content-type": "text/html; charset=utf-8", ...init?.headers },
            }),
          );
        },
      };
      const method = c.req.method === "HEAD" ? "GET" : c.req.method;
      const handler: Handler | undefined = typeof mod.handler === "function"
        ? mod.handler
        : mod.handler?.[method as "GET"] ?? (method === "GET" && page ? (ctx) => ctx.render() : undefined);
      if (!handler) return c.text("Method not allowed", 405);
      return await handler(ctx);
    });
  }

  return app;
}
