/**
 * Recovery faster than ICE notices. ICE reports a dead relay path only after ~7 s and stays
 * "connected" through short outages; a network switch or NAT rebinding never heals by itself. So an
 * ICE restart with good TURN credentials (fresh ones when those held run out soon) starts at once when
 * the inbound stream stalls (no bytes at all for 1.5 s while connected, or for 1 s after a steady
 * stream), and when the caller knows the network changed (signaling reconnected, `online`, a connection
 * change). Restarts are spaced by at least `stallMs`, and a stall starts none while an offer of ours awaits
 * its answer.
 */

export interface RecoveryHooks {
  /** Restarts ICE with these servers (PeerSession.restartIce). */
  restart: (iceServers: RTCIceServer[] | undefined, reason: string) => void;
  /** Fresh ICE servers (new TURN credentials); undefined keeps the current ones. */
  freshIceServers: () => Promise<RTCIceServer[] | undefined>;
  /** An offer of ours awaits its answer (PeerSession.offering). */
  awaitingAnswer?: () => boolean;
}

/** Bytes seen at observations at most this far apart count as one steady stream (observed 4 times a second). */
const STEADY_GAP_MS = 400;
const STEADY_FOR_MS = 2000;

export class IceRecovery {
  private lastBytes = -1;
  private lastChangeAt = 0;
  /** Since when bytes have arrived at every observation (a steady stream: audio alone is 50 packets a second). */
  private steadySince = 0;
  private lastRestartAt = -Infinity;
  /** When the peer's last restart offer came in. */
  private peerRestartAt = -Infinity;
  private pending = false;
  restarts = 0;

  /**
   * `stallMs`: silence that means a dead path; `steadyStallMs`: the same after a steady stream (bytes at every
   * observation for 2 s), whose silence is unambiguous sooner. A restart on a path that was fine costs little:
   * the media stays on the old pair until a new one is chosen.
   */
  constructor(
    private readonly hooks: RecoveryHooks,
    private readonly stallMs = 1500,
    private readonly steadyStallMs = 1000,
  ) {}

  /** Feeds the transport's bytesReceived, a few times a second; restarts when it stops moving. */
  observe(bytesReceived: number, connected: boolean, now = Date.now()): void {
    if (bytesReceived !== this.lastBytes || !connected) {
      if (!connected || now - this.lastChangeAt > STEADY_GAP_MS) this.steadySince = now;
      this.lastBytes = bytesReceived;
      this.lastChangeAt = now;
      return;
    }
    const steady = this.lastChangeAt - this.steadySince >= STEADY_FOR_MS;
    const silentFor = steady ? this.steadyStallMs : this.stallMs;
    // While an offer of ours (a restart's, typically) awaits its answer, the signaling is as dead as the path
    // and that generation has not been tried: another would be queued behind it and discard it once connected.
    if (this.hooks.awaitingAnswer?.()) return;
    if (now - this.lastChangeAt >= silentFor && now - this.lastRestartAt >= this.stallMs) {
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
      .then((servers) => {
        // Both ends see a dead path at once: when the peer's restart came while the servers were fetched,
        // answering it is the restart. A second one would discard the generation the first is connecting.
        if (this.peerRestartAt < now) this.hooks.restart(servers, reason);
      })
      .finally(() => this.pending = false);
  }

  /** The peer restarted ICE (an offer of a new generation): that restart is ours too, don't stack another. */
  peerRestarted(now = Date.now()): void {
    this.peerRestartAt = now;
    this.lastRestartAt = now;
    this.lastChangeAt = now;
    this.steadySince = now; // its new path gets the full wait
  }

  /** A new peer connection: forget the previous one's history. */
  reset(): void {
    this.lastBytes = -1;
    this.lastChangeAt = 0;
    this.steadySince = 0;
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
