/**
 * How the call's link is doing, four times a second: the stall detector (an ICE restart with good TURN
 * credentials when nothing arrives, see ice_recovery.ts) and, every second, the quality badge and the
 * camera's resolution for the estimated bandwidth. Also restarts ICE when the network changes under the
 * page (`online`, a Wi-Fi ↔ cellular switch).
 */
import { signal } from "@preact/signals";
import type { IceServersResponse as IceConfig } from "../rest.ts";
import { apiJson } from "./api.ts";
import { IceRecovery, peerHasSent } from "./ice_recovery.ts";
import type { PeerSession } from "./peer.ts";
import { assessQuality, type Quality, sampleStats, type StatsSample } from "./quality.ts";

/**
 * How long TURN credentials must still be good to restart ICE with them rather than wait for new ones: a
 * relay allocated with them must outlive the call, as it re-authenticates with them on every refresh.
 */
const CREDENTIALS_MARGIN_MS = 60 * 60_000;

export class LinkWatch {
  readonly quality = signal<Quality | null>(null);
  /** The ICE configuration the current peer connection was made with (refreshed on a restart). */
  ice: IceConfig = { iceServers: [], ttl: 0, iceTransportPolicy: "all" };
  /** Until when the TURN credentials in `ice` are good (Date.now()). */
  private iceGoodUntil = 0;
  lastSample?: StatsSample;
  /** When this peer connection decoded its first frame (quality ignores the ramp-up after it). */
  private videoSince?: number;
  private ticks = 0;
  private connectedOnce = false;
  /** The peer's end of this connection has been up (peerHasSent). */
  private peerSent = false;
  private timer?: ReturnType<typeof setInterval>;
  private cleanup: (() => void)[] = [];
  private readonly recovery: IceRecovery;

  constructor(
    private readonly session: () => PeerSession | undefined,
    /** Whether the other side's camera is on (a camera turned off is not a bad link). */
    private readonly peerVideoOn: () => boolean,
    restart: (session: PeerSession, servers: RTCIceServer[] | undefined, reason: string) => void,
  ) {
    this.recovery = new IceRecovery({
      freshIceServers: async () => {
        // Credentials good for a while yet: restart with them now, and fetch the next ones meanwhile.
        // Waiting costs a round trip, and up to the timeout below when the network is what broke.
        if (Date.now() < this.iceGoodUntil - CREDENTIALS_MARGIN_MS) {
          this.fetchIce();
          return this.ice.iceServers;
        }
        // Fresh TURN credentials, but never wait long for them.
        const fresh = await Promise.race([
          this.fetchIce(),
          new Promise<undefined>((r) => setTimeout(r, 1000)),
        ]);
        return fresh?.iceServers;
      },
      restart: (servers, reason) => {
        const s = this.session();
        if (s) restart(s, servers, reason);
      },
      awaitingAnswer: () => this.session()?.offering ?? false,
    });
  }

  /** ICE servers with fresh TURN credentials (kept as `ice`); the last known ones when the server cannot be reached. */
  fetchIce(): Promise<IceConfig> {
    return apiJson<IceConfig>("GET", "/api/ice-servers")
      .then((c) => this.useIce({ ...c, iceTransportPolicy: c.iceTransportPolicy ?? "all" }))
      .catch(() => this.ice);
  }

  /** The ICE configuration to make peer connections with, received at `receivedAt` (its ttl counts from then). */
  useIce(config: IceConfig, receivedAt = Date.now()): IceConfig {
    this.ice = config;
    this.iceGoodUntil = receivedAt + config.ttl * 1000;
    return config;
  }

  start(onOnline: () => void): void {
    this.timer = setInterval(() => this.tick(), 250);
    const online = () => {
      onOnline();
      this.restartIce("online");
    };
    const changed = () => this.restartIce("network-change");
    // Wi-Fi ↔ cellular without going offline (Network Information API, where there is one).
    const connection = (navigator as { connection?: EventTarget }).connection;
    addEventListener("online", online);
    connection?.addEventListener("change", changed);
    this.cleanup.push(
      () => removeEventListener("online", online),
      () => connection?.removeEventListener("change", changed),
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.cleanup.forEach((f) => f());
  }

  /** Something says the path may have changed (e.g. the signaling connection came back). */
  restartIce(reason: string): void {
    if (this.session()) this.recovery.trigger(reason);
  }

  /** The peer offered a new ICE generation: that restart counts as ours. */
  peerRestarted(): void {
    this.recovery.peerRestarted();
  }

  /** A new peer connection. */
  newPeer(): void {
    this.recovery.reset();
    this.connectedOnce = false;
    this.peerSent = false;
  }

  connected(): void {
    this.connectedOnce = true;
  }

  /** The peer connection is gone: nothing to assess. */
  clear(): void {
    this.lastSample = undefined;
    this.videoSince = undefined;
    this.quality.value = null;
  }

  private async tick() {
    const session = this.session();
    const pc = session?.pc;
    if (!pc || pc.connectionState === "closed") return;
    const report = await pc.getStats();
    let bytes = 0;
    report.forEach((r) => {
      if (r.type === "transport") bytes += r.bytesReceived ?? 0;
    });
    // Before both ends are up nothing flows by design; after that, silence means a broken path.
    this.peerSent ||= this.connectedOnce && peerHasSent(report);
    this.recovery.observe(bytes, this.peerSent);
    if (++this.ticks % 4) return;
    const sample = sampleStats(report);
    if (sample.framesDecoded > 0) this.videoSince ??= sample.at;
    this.quality.value = assessQuality(this.lastSample, sample, this.peerVideoOn(), this.videoSince);
    session.fitVideoTo(sample.availableOutgoingKbps);
    this.lastSample = sample;
  }
}
