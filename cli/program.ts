/** The `mobimaint` command tree: global options and every command, with help and examples. */
import { Command, InvalidArgumentError } from "commander";
import { VERSION } from "../fresh.config.ts";
import { registerAuth } from "./commands/auth.ts";
import { registerCalls } from "./commands/calls.ts";
import { registerHealth } from "./commands/health.ts";
import { registerMetrics } from "./commands/metrics.ts";
import { registerUsers } from "./commands/users.ts";
import { DEFAULT_SERVER } from "./config.ts";
import { examples } from "./context.ts";

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("Must be a positive number of seconds.");
  return n;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the server reported a failure (not found, conflict, forbidden, unhealthy...)
  2  usage error (unknown command or option, missing or bad argument)
  3  server unreachable (refused, DNS, timeout)
  4  not authenticated (not logged in, token expired or revoked, wrong password)

Environment:
  MOBIMAINT_URL    server URL (overridden by --server)
  MOBIMAINT_TOKEN  API token (overridden by --token)
  MOBIMAINT_METRICS_TOKEN  the server's metrics token, for "metrics" (overridden by --metrics-token)
  MOBIMAINT_CA_CERT  CA certificate file to trust, e.g. certs/mobimaint-ca.crt (overridden by --ca-cert)
  NO_COLOR         any value: no colour (colour is also off when stdout is not a terminal)
`;

export function buildProgram(): Command {
  const program = new Command("mobimaint")
    .description("Operate a MobiMaint server: health, metrics, calls and users, over its REST API.")
    .version(VERSION, "-V, --version", "print the CLI version")
    .option(
      "-s, --server <url>",
      `server URL (default: MOBIMAINT_URL, the saved login's server, ${DEFAULT_SERVER})`,
    )
    .option("-t, --token <token>", "API token (default: MOBIMAINT_TOKEN, then the saved login)")
    .option("--json", "print the API's JSON instead of tables (for scripts)")
    .option("--no-color", "no colour (also off when NO_COLOR is set or stdout is not a terminal)")
    .option("--timeout <seconds>", "give up on the server after this long", seconds, 15)
    .option(
      "--ca-cert <file>",
      "also trust this CA certificate (PEM) for https:// (default: MOBIMAINT_CA_CERT)",
    )
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText(
      "after",
      examples(
        "mobimaint login --server https://mobimaint.example.com",
        "mobimaint health",
        "mobimaint calls",
        "mobimaint users add alice --role Expert",
        "MOBIMAINT_TOKEN=... mobimaint experts --json",
      ) + EXIT_CODES_HELP,
    );

  registerHealth(program);
  registerMetrics(program);
  registerCalls(program);
  registerUsers(program);
  registerAuth(program);
  return program;
}
