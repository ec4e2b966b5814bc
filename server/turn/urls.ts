/** TURN/STUN URLs (RFC 7064/7065): parsing, and the order a browser should try them in. */

export type TurnTransport = "udp" | "tcp" | "tls";

export interface TurnAddress {
  url: string;
  host: string;
  port: number;
  transport: TurnTransport;
}

const URL_RE = /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i;

/** Host, port and transport of a `stun:`, `turn:` or `turns:` URL; undefined when it is not one. */
export function parseTurnUrl(url: string): TurnAddress | undefined {
  const m = URL_RE.exec(url.trim());
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  const secure = scheme.endsWith("s");
  const transport: TurnTransport = secure ? "tls" : (m[4]?.toLowerCase() as TurnTransport) ?? "udp";
  const port = m[3] ? Number(m[3]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65535) return undefined;
  return { url, host: m[2].replace(/^\[|\]$/g, ""), port, transport };
}

const RANK: Record<TurnTransport, number> = { udp: 0, tcp: 1, tls: 2 };

/** UDP first (lowest latency), then TCP, then TLS (passes firewalls that allow only 443); stable otherwise. */
export function orderTurnUrls(urls: string[]): string[] {
  const rank = (u: string) => RANK[parseTurnUrl(u)?.transport ?? "udp"];
  return urls.map((u, i) => ({ u, i })).sort((a, b) => rank(a.u) - rank(b.u) || a.i - b.i).map((x) => x.u);
}
