/** `mobimaint health`: exit 0 healthy, 1 unhealthy, 3 unreachable. */
import type { Command } from "commander";
import { contextOf, examples } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatDuration } from "../output.ts";
import type { HealthResponse } from "../../lib/rest.ts";

type Health = HealthResponse;

export function registerHealth(program: Command): void {
  program.command("health")
    .description("show server status, version, uptime, connections and store; exit 1 when unhealthy")
    .addHelpText(
      "after",
      examples(
        "mobimaint health",
        "mobimaint health --server https://mobimaint.example.com",
        "mobimaint health --json || echo 'MobiMaint is down'",
      ),
    )
    .action(async (_opts, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const { body: h } = await client.get<Health>("/health", { auth: false, accept: [503] });
      if (out.json) out.printJson(h);
      else {
        out.print(out.fields([
          ["Server", client.server],
          ["Status", out.status(h.status)],
          ["Version", h.version],
          ["Uptime", formatDuration(h.uptime * 1000)],
          ["Connections", h.connections],
          ["Online users", h.onlineUsers ?? "-"],
          ["Store", `${h.store.kind} (${out.status(h.store.status)})`],
          ["Checked at", h.timestamp],
        ]));
      }
      if (h.status !== "healthy") {
        throw new CliError(EXIT.FAILURE, `Server ${client.server} is unhealthy (store ${h.store.status})`);
      }
    });
}
