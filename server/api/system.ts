/** GET /health (compat) and GET /api/ice-servers. */
import { Hono } from "hono";
import { VERSION } from "../../fresh.config.ts";
import type { Deps, Env } from "../context.ts";
import { iceConfigFor } from "../turn/ice_servers.ts";
import { TurnMonitor } from "../turn/probe.ts";
import { requireAuth } from "./middleware.ts";

export function systemRoutes(deps: Deps) {
  const { config, store } = deps;
  // A TURN server that is down does not make this node unhealthy (calls still work where direct paths
  // exist), so it is reported beside the status, from a cache: /health never waits more than one probe.
  const turn = new TurnMonitor(config.turnUrls, { timeoutMs: 1000, maxAgeMs: 15_000 });
  return new Hono<Env>()
    .get("/health", async (c) => {
      let storeState: "ok" | "unreachable" = "ok";
      const turnStatus = turn.status();
      try {
        await store.ping();
      } catch (e) {
        deps.log.error(
          { event: "health", err: String(e) },
          "store unreachable",
        );
        storeState = "unreachable";
      }
      const body = {
        status: storeState === "ok" ? "healthy" : "unhealthy",
        timestamp: new Date().toISOString(),
        uptime: (Date.now() - deps.startedAt) / 1000,
        version: VERSION,
        connections: deps.grace.socketCount(),
        onlineUsers: deps.presence.onlineCount(),
        store: { kind: store.kind, status: storeState },
        turn: await turnStatus,
      };
      return c.json(body, storeState === "ok" ? 200 : 503);
    })
    .get(
      "/api/ice-servers",
      requireAuth(deps),
      (c) => c.json(iceConfigFor(config, c.get("identity").userId)),
    );
}
