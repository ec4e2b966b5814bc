/**
 * Who the client is and whether it used HTTPS, believing X-Forwarded-For/-Proto only from the
 * number of reverse proxies the operator says are in front of us (MOBIMAINT_TRUST_PROXY).
 *
 * Each proxy appends the address it received the request from, so the last `hops` entries of
 * the chain (X-Forwarded-For plus the socket's peer) are our own proxies and the entry just
 * before them is the client. Entries further left were written by the client and are not trusted.
 */

export interface Peer {
  /** The TCP peer: the client itself, or the nearest proxy. */
  remoteAddress: string | undefined;
  /** Whether the connection to us is TLS. */
  encrypted: boolean;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
}

export interface ClientInfo {
  ip: string;
  https: boolean;
}

const entries = (header: string | undefined) =>
  (header ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** `::ffff:203.0.113.5` (an IPv4 client on a dual-stack socket) reads better as `203.0.113.5`. */
const plain = (ip: string) => ip.toLowerCase().startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;

export function resolveClient(peer: Peer, trustProxyHops: number): ClientInfo {
  const remote = peer.remoteAddress ?? "unknown";
  if (trustProxyHops <= 0) return { ip: plain(remote), https: peer.encrypted };

  const chain = [...entries(peer.forwardedFor), remote];
  const ip = chain[Math.max(0, chain.length - 1 - trustProxyHops)];

  const protos = entries(peer.forwardedProto);
  const proto = protos.length ? protos[Math.max(0, protos.length - trustProxyHops)].toLowerCase() : undefined;
  return { ip: plain(ip), https: proto === undefined ? peer.encrypted : proto === "https" };
}
