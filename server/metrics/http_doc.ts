/** OpenAPI description of `GET /metrics`. */
import type { RouteDoc } from "../openapi/route_doc.ts";

export const metricsDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/metrics",
    tag: "system",
    summary: "Prometheus metrics of this node",
    description: "404 unless the server runs with MOBIMAINT_METRICS_TOKEN; then only with " +
      "`Authorization: Bearer <that token>` (docs/operations-metrics.md lists the series).",
    auth: "metrics",
    response: { contentType: "text/plain; version=0.0.4", description: "Prometheus text exposition format" },
    errors: ["NOT_FOUND"],
  },
];
