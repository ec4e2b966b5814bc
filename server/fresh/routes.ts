/**
 * File routes like Fresh: `routes/index.tsx` → `/`, `routes/call/[id].tsx` →
 * `/call/:id`, `[...rest].tsx` → a catch-all. Files starting with `_` are
 * special (`_app.tsx`) and not routes.
 */
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { RouteModule } from "./types.ts";

export interface RouteFile {
  /** Path relative to the routes folder, with `/` separators. */
  file: string;
  /** Hono path pattern. */
  pattern: string;
}

const ROUTE_EXT = /\.(tsx|ts|jsx|js)$/;

/** Maps a route file (relative, `/`-separated) to its URL pattern. */
export function patternOf(file: string): string {
  const segments = file.replace(ROUTE_EXT, "").split("/");
  if (segments.at(-1) === "index") segments.pop();
  const parts = segments.map((s) => {
    const rest = /^\[\.\.\.(\w+)\]$/.exec(s);
    if (rest) return `:${rest[1]}{.+}`;
    const param = /^\[(\w+)\]$/.exec(s);
    return param ? `:${param[1]}` : s;
  });
  return "/" + parts.join("/");
}

/** Static segments beat parameters, parameters beat catch-alls; otherwise shorter first. */
function rank(pattern: string): number[] {
  return pattern.split("/").filter(Boolean).map((s) => s.endsWith("{.+}") ? 2 : s.startsWith(":") ? 1 : 0);
}

export function sortRoutes<T extends RouteFile>(routes: T[]): T[] {
  return [...routes].sort((a, b) => {
    const ra = rank(a.pattern), rb = rank(b.pattern);
    for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
      if (ra[i] !== rb[i]) return ra[i] - rb[i];
    }
    return ra.length - rb.length;
  });
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && ROUTE_EXT.test(entry.name)) yield path;
  }
}

/** Lists route files (not `_`-prefixed, not tests) in match order. */
export async function discoverRoutes(dir: string): Promise<RouteFile[]> {
  const found: RouteFile[] = [];
  for await (const path of walk(dir)) {
    const file = relative(dir, path).split(sep).join("/");
    if (file.split("/").some((s) => s.startsWith("_")) || /_test\.\w+$/.test(file)) continue;
    found.push({ file, pattern: patternOf(file) });
  }
  return sortRoutes(found);
}

export function importModule<T = RouteModule>(path: string): Promise<T> {
  return import(pathToFileURL(path).href);
}
