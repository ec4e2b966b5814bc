/**
 * Recovery faster than ICE notices. ICE reports a dead relay path only after ~7 s and stays
 * "connected" through short outages; a network switch or NAT rebinding never heals by itself. So an
 * ICE restart with fresh TURN credentials starts at once when the inbound stream stalls (no bytes at
 * all for `stallMs`, while connected), and when the caller knows the network changed (signaling
 * reconnected, `online`, a connection change). Restarts are spaced by at least `stallMs`.
 */

export interface RecoveryHooks {
  /** Restarts ICE with these servers (PeerSession.restartIce). */
  restart: (iceServers: RTCIceServer[] | undefined, reason: string) => void;
  /** Fresh ICE servers (new TURN credentials); undefined keeps the current ones. */
  freshIceServers: () => Promise<RTCIceServer[] | undefined>;
}

export class IceRecovery {
  private lastBytes = -1;
  private lastChangeAt = 0;
  private lastRestartAt = -Infinity;
  private pending = false;
  restarts = 0;

  constructor(private readonly hooks: RecoveryHooks, private readonly stallMs = 1500) {}

  /** Feeds the transport's bytesReceived, a few times a second; restarts when it stops moving. */
  observe(bytesReceived: number, connected: boolean, now = Date.now()): void {
    if (bytesReceived !== this.lastBytes || !connected) {
      this.lastBytes = bytesReceived;
      this.lastChangeAt = now;
      return;
    }
    if (now - this.lastChangeAt >= this.stallMs && now - this.lastRestartAt >= this.stallMs) {
      this.trigger("stalled", now);
    }
  }

  /** Something outside the media path says the network changed: restart now (at most one in flight). */
  trigger(reason: string, now = Date.now()): void {
    if (this.pending) return;
    this.pending = true;
    this.lastRestartAt = now;
    this.restarts++;
    this.hooks.freshIceServers()
      .catch(() => undefined)
      .then((servers) => this.hooks.restart(servers, reason))
      .finally(() => this.pending = false);
  }

  /** The peer restarted ICE (an offer of a new generation): that restart is ours too, don't stack another. */
  peerRestarted(now = Date.now()): void {
    this.lastRestartAt = now;
    this.lastChangeAt = now;
  }

  /** A new peer connection: forget the previous one's history. */
  reset(): void {
    this.lastBytes = -1;
    this.lastChangeAt = 0;
  }
}

/**
 * Whether the peer's end is up: it has sent media, or RTCP about ours. On a lossy link ICE and DTLS can be
 * done on this side seconds before the peer gets the handshake's last flight; silence meanwhile is that
 * handshake, not a broken path, and a restart would only begin it again.
 */
export function peerHasSent(report: { forEach(f: (r: Record<string, unknown>) => void): void }): boolean {
  let sent = false;
  report.forEach((r) => {
    if (r.type === "inbound-rtp" && Number(r.packetsReceived) > 0) sent = true;
    if (r.type === "remote-inbound-rtp" || r.type === "remote-outbound-rtp") sent = true;
  });
  return sent;
}
