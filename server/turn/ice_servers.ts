/** The ICE configuration a call page gets from `GET /api/ice-servers`. */
import { createHmac } from "node:crypto";
import type { Config } from "../../fresh.config.ts";
import type { IceServersResponse as IceConfig } from "../../lib/rest.ts";
import { orderTurnUrls } from "./urls.ts";

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

export function iceConfigFor(config: Config, userId: string, now = Date.now()): IceConfig {
  const iceServers: RTCIceServer[] = [];
  // STUN is useless when only relayed candidates may be used.
  if (config.stunUrls.length && config.iceTransportPolicy !== "relay") {
    iceServers.push({ urls: config.stunUrls });
  }
  if (config.turnUrls.length) {
    const urls = orderTurnUrls(config.turnUrls);
    iceServers.push(
      config.turnSecret
        ? { urls, ...turnCredential(config.turnSecret, userId, config.turnTtlSec, now) }
        : { urls },
    );
  }
  return { iceServers, ttl: config.turnTtlSec, iceTransportPolicy: config.iceTransportPolicy };
}
