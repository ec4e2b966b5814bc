/**
 * Island bundles with esbuild: one entry per island (a generated module that
 * imports the island and hydrates it), code splitting, minified,
 * content-hashed. Built in memory at startup, or read from `static/build/`
 * written by `deno task build` when its recorded inputs are unchanged.
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface BundleSet {
  /**
   * Island name → its entry file, the chunks it imports (for modulepreload) and the files of what it
   * imports lazily (`import()`), which the page may preload once idle (`preloadLazy` in client.ts).
   */
  islands: Record<string, { file: string; imports: string[]; lazy?: string[] }>;
  /** Worker name (`workers/<name>.ts`) → its module file, loaded with `new Worker(url, {type: "module"})`. */
  workers: Record<string, string>;
  /** File name → contents. */
  files: Map<string, Uint8Array>;
  source: "memory" | "prebuilt";
}

interface Manifest {
  islands: BundleSet["islands"];
  workers?: BundleSet["workers"];
  /** Source file (relative to root) → sha-256 of its contents when built. */
  inputs: Record<string, string>;
}

const encodeHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export const BUILD_DIR = "static/build";

async function sha256(path: string): Promise<string> {
  return encodeHex(new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path))));
}

/** Runs esbuild over the islands (and workers); both map name → absolute file path. */
export async function buildIslands(
  root: string,
  islands: Record<string, string>,
  workers: Record<string, string> = {},
): Promise<{ set: BundleSet; manifest: Manifest }> {
  const esbuild = await import("esbuild");
  const clientModule = fileURLToPath(new URL("./client.ts", import.meta.url));
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [
        ...Object.keys(islands).map((name) => ({ in: `island:${name}`, out: name })),
        ...Object.entries(workers).map(([name, path]) => ({ in: path, out: `worker-${name}` })),
      ],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: ["es2022"],
      minify: true,
      write: false,
      metafile: true,
      outdir: join(root, BUILD_DIR, "js"),
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      jsx: "automatic",
      jsxImportSource: "preact",
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
      plugins: [{
        name: "fresh-island-entries",
        setup(build) {
          build.onResolve({ filter: /^island:/ }, (a) => ({ path: a.path.slice(7), namespace: "island" }));
          build.onLoad({ filter: /.*/, namespace: "island" }, (a) => ({
            contents: `import C from ${JSON.stringify(islands[a.path])};\n` +
              `import { boot } from ${JSON.stringify(clientModule)};\nboot(${JSON.stringify(a.path)}, C);\n`,
            resolveDir: root,
            loader: "ts",
          }));
        },
      }],
    });
    const outDir = join(root, BUILD_DIR, "js");
    const files = new Map<string, Uint8Array>();
    for (const f of result.outputFiles) files.set(relative(outDir, f.path), f.contents);
    const set: BundleSet = { islands: {}, workers: {}, files, source: "memory" };
    const outputs = result.metafile.outputs;
    const rel = (p: string) => relative(join(BUILD_DIR, "js"), p);
    const workerByPath = new Map(Object.entries(workers).map(([name, path]) => [relative(root, path), name]));
    for (const [out, meta] of Object.entries(result.metafile.outputs)) {
      if (meta.entryPoint && workerByPath.has(meta.entryPoint) && out.endsWith(".js")) {
        set.workers[workerByPath.get(meta.entryPoint)!] = relative(join(BUILD_DIR, "js"), out);
        continue;
      }
      // Only the islands' own entries: a module imported with import() gets an entry point of its own too.
      if (!meta.entryPoint?.startsWith("island:") || !out.endsWith(".js")) continue;
      const entry = meta.entryPoint.slice("island:".length);
      set.islands[entry] = {
        file: rel(out),
        imports: meta.imports.filter((i) => i.kind === "import-statement").map((i) => rel(i.path)),
        lazy: lazyFiles(outputs, out).map(rel),
      };
    }
    const inputs: Record<string, string> = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      if (input.startsWith("island:") || input.includes("node_modules/")) continue;
      inputs[input] = await sha256(join(root, input));
    }
    return { set, manifest: { islands: set.islands, workers: set.workers, inputs } };
  } finally {
    await esbuild.stop();
  }
}

type Outputs = Record<string, { imports: { path: string; kind: string }[] }>;

/** Every file `out` loads up front: itself and its static imports, transitively. */
function staticClosure(outputs: Outputs, out: string, into = new Set<string>()): Set<string> {
  if (into.has(out)) return into;
  into.add(out);
  for (const i of outputs[out]?.imports ?? []) {
    if (i.kind === "import-statement") staticClosure(outputs, i.path, into);
  }
  return into;
}

/** The files behind `out`'s dynamic imports (and theirs), without those it loads up front anyway. */
function lazyFiles(outputs: Outputs, out: string): string[] {
  const eager = staticClosure(outputs, out);
  const lazy = new Set<string>();
  const queue = [...eager];
  for (const file of queue) {
    for (const i of outputs[file]?.imports ?? []) {
      if (i.kind !== "dynamic-import" || !i.path.endsWith(".js")) continue;
      for (const f of staticClosure(outputs, i.path)) {
        if (eager.has(f) || lazy.has(f)) continue;
        lazy.add(f);
        queue.push(f);
      }
    }
  }
  return [...lazy];
}

/** Writes the bundles and manifest for production (`deno task build`). */
export async function writeBuild(
  root: string,
  islands: Record<string, string>,
  workers: Record<string, string> = {},
): Promise<BundleSet> {
  const { set, manifest } = await buildIslands(root, islands, workers);
  const dir = join(root, BUILD_DIR);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(dir, "js"), { recursive: true });
  for (const [name, contents] of set.files) await Deno.writeFile(join(dir, "js", name), contents);
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 1));
  return set;
}

/** The prebuilt set when it exists, covers these islands and no input changed since; else undefined. */
export async function loadPrebuilt(
  root: string,
  islands: Record<string, string>,
  workers: Record<string, string> = {},
): Promise<BundleSet | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(root, BUILD_DIR, "manifest.json")));
  } catch {
    return undefined;
  }
  const same = (a: object, b: object = {}) => Object.keys(a).sort().join() === Object.keys(b).sort().join();
  if (!same(islands, manifest.islands) || !same(workers, manifest.workers)) return undefined;
  for (const [input, hash] of Object.entries(manifest.inputs)) {
    if (await sha256(join(root, input)).catch(() => "") !== hash) return undefined;
  }
  const files = new Map<string, Uint8Array>();
  for await (const f of Deno.readDir(join(root, BUILD_DIR, "js"))) {
    files.set(f.name, await Deno.readFile(join(root, BUILD_DIR, "js", f.name)));
  }
  return { islands: manifest.islands, workers: manifest.workers ?? {}, files, source: "prebuilt" };
}
