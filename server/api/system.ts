/** GET /health (compat) and GET /api/ice-servers. */
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { VERSION } from "../../fresh.config.ts";
import type { Deps, Env } from "../context.ts";
import { requireAuth } from "./middleware.ts";

/** TURN REST credentials: username `expiry:userId`, credential base64 HMAC-SHA1(secret, username). */
export function turnCredential(
  secret: string,
  userId: string,
  ttlSec: number,
  now = Date.now(),
) {
  const username = `${Math.floor(now / 1000) + ttlSec}:${userId}`;
  return {
    username,
    credential: createHmac("sha1", secret).update(username).digest("base64"),
  };
}

export function systemRoutes(deps: Deps) {
  const { config, store } = deps;
  return new Hono<Env>()
    .get("/health", async (c) => {
      let storeState: "ok" | "unreachable" = "ok";
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
      };
      return c.json(body, storeState === "ok" ? 200 : 503);
    })
    .get("/api/ice-servers", requireAuth(deps), (c) => {
      const iceServers: RTCIceServer[] = [];
      if (config.stunUrls.length) iceServers.push({ urls: config.stunUrls });
      if (config.turnUrls.length) {
        iceServers.push(
          config.turnSecret
            ? {
              urls: config.turnUrls,
              ...turnCredential(
                config.turnSecret,
                c.get("identity").userId,
                config.turnTtlSec,
              ),
            }
            : { urls: config.turnUrls },
        );
      }
      return c.json({ iceServers, ttl: config.turnTtlSec });
    });
}
