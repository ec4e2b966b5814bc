/** Entry point: config → store → app → listen; graceful shutdown on SIGTERM/SIGINT. */
import { loadConfig } from "./fresh.config.ts";
import { startServer } from "./server/server.ts";

const server = await startServer(loadConfig());
if (server.generatedAdminPassword) {
  console.log(
    `\n  First start: created user "admin" with password: ${server.generatedAdminPassword}\n` +
      `  (shown once; set MOBIMAINT_ADMIN_PASSWORD to choose it)\n`,
  );
}
console.log(`MobiMaint on http://localhost:${server.port}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.deps.log.info({ event: "shutdown", signal }, "shutting down");
  const force = setTimeout(() => Deno.exit(1), 10_000);
  await server.close();
  clearTimeout(force);
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
