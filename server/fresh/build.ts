/** `deno task build`: writes the island bundles and their manifest to static/build/ for production. */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { BUILD_DIR, writeBuild } from "./bundle.ts";
import { listIslands, listWorkers } from "./mod.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const started = performance.now();
const set = await writeBuild(root, await listIslands(root), await listWorkers(root));
for (const [name, { file, imports }] of Object.entries(set.islands)) {
  const gz = [file, ...imports].reduce((n, f) => n + gzipSync(set.files.get(f)!).byteLength, 0);
  console.log(`  ${name.padEnd(16)} ${file}  (${(gz / 1024).toFixed(1)} KiB gzip with its chunks)`);
}
for (const [name, file] of Object.entries(set.workers)) {
  const gz = gzipSync(set.files.get(file)!).byteLength;
  console.log(`  worker ${name.padEnd(9)} ${file}  (${(gz / 1024).toFixed(1)} KiB gzip)`);
}
console.log(
  `Built ${set.files.size} files into ${BUILD_DIR}/ in ${Math.round(performance.now() - started)} ms`,
);
