/** `mobimaint metrics`: a short summary of the server's Prometheus metrics (GET /metrics). */
import type { Command } from "commander";
import { parseMetrics } from "../../lib/prometheus.ts";
import { contextOf, examples } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { summarize } from "../metrics_summary.ts";
import { formatDuration } from "../output.ts";

const counts = (r: Record<string, number>) =>
  Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
const latency = (v: number | undefined) =>
  v === undefined ? "-" : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;

export function registerMetrics(program: Command): void {
  program.command("metrics")
    .description(
      "summarize the server's metrics: connections, calls, events and errors, relays, p95 latencies",
    )
    .option(
      "--metrics-token <token>",
      "the server's MOBIMAINT_METRICS_TOKEN (default: MOBIMAINT_METRICS_TOKEN in the environment, preferred)",
    )
    .addHelpText(
      "after",
      examples(
        "mobimaint metrics --server https://mobimaint.example.com   # MOBIMAINT_METRICS_TOKEN set",
        "mobimaint metrics --json | jq .p95Ms",
      ) + "\nBehind a load balancer each scrape reaches one node: the summary names it.\n",
    )
    .action(async (opts: { metricsToken?: string }, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const token = opts.metricsToken || Deno.env.get("MOBIMAINT_METRICS_TOKEN");
      if (!token) {
        throw new CliError(
          EXIT.NOT_AUTHENTICATED,
          "No metrics token: set MOBIMAINT_METRICS_TOKEN or --metrics-token",
        );
      }
      let text: string;
      try {
        text = await client.getText("/metrics", token);
      } catch (e) {
        if (e instanceof CliError && /NOT_FOUND/.test(e.message)) {
          throw new CliError(
            EXIT.FAILURE,
            `Metrics are off on ${client.server} (its MOBIMAINT_METRICS_TOKEN is not set)`,
          );
        }
        throw e;
      }
      const m = summarize(parseMetrics(text));
      if (out.json) return out.printJson(m);
      const errors = Object.values(m.socketErrors).reduce((a, b) => a + b, 0);
      out.print(out.fields([
        ["Node", m.node],
        ["Uptime", formatDuration(m.uptimeSec * 1000)],
        ["Memory (RSS)", `${(m.rssBytes / 2 ** 20).toFixed(0)} MiB`],
        ["Connections", m.connections],
        ["Calls", `${m.calls.active} active, ${m.calls.ringing} ringing, ${m.calls.pending} pending`],
        ["Calls ended", counts(m.callsEnded)],
        ["Rings", counts(m.rings)],
        [
          "Socket events",
          `${m.socketEvents} (${errors} refused${errors ? `: ${counts(m.socketErrors)}` : ""})`,
        ],
        ["Relayed", m.relayed],
        ["HTTP requests", `${m.httpRequests} (${m.http5xx} 5xx)`],
        ["Store errors", m.storeErrors],
        [
          "Snapshots",
          `${m.snapshots.images} (${
            (m.snapshots.bytes / 2 ** 20).toFixed(1)
          } MiB, ${m.snapshots.calls} calls)`,
        ],
        ["p95 socket event", latency(m.p95Ms.socketEvent)],
        ["p95 relay", latency(m.p95Ms.relay)],
        ["p95 HTTP", latency(m.p95Ms.http)],
        ["p95 store op", latency(m.p95Ms.store)],
        ["p95 presence flush", latency(m.p95Ms.presenceFlush)],
      ]));
    });
}
