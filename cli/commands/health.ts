/** `mobimaint health`: exit 0 healthy, 1 unhealthy, 3 unreachable. */
import type { Command } from "commander";
import { contextOf, examples } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatDuration } from "../output.ts";
import type { HealthResponse } from "../../lib/rest.ts";

type Health = HealthResponse;

function turnLine(turn: Health["turn"]): string {
  if (!turn) return "-";
  if (turn.status === "not-configured") return "not configured";
  const down = turn.servers.filter((s) => !s.reachable).map((s) => `${s.url} (${s.error ?? "no answer"})`);
  return down.length ? `${turn.status}: ${down.join(", ")}` : `ok (${turn.servers.length} URLs)`;
}

export function registerHealth(program: Command): void {
  program.command("health")
    .description(
      "show server status, version, uptime, connections, store and TURN; exit 1 when unhealthy or TURN is down",
    )
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
          ["TURN", turnLine(h.turn)],
          ["Checked at", h.timestamp],
        ]));
      }
      if (h.status !== "healthy") {
        throw new CliError(EXIT.FAILURE, `Server ${client.server} is unhealthy (store ${h.store.status})`);
      }
      // The node itself is fine, but calls from networks that need a relay will fail: say so, exit 1.
      if (h.turn && (h.turn.status === "unreachable" || h.turn.status === "degraded")) {
        throw new CliError(EXIT.FAILURE, `TURN is configured but ${turnLine(h.turn)}`);
      }
    });
}
