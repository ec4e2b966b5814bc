/**
 * How the call's link is doing, four times a second: the stall detector (an ICE restart with fresh TURN
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

export class LinkWatch {
  readonly quality = signal<Quality | null>(null);
  /** The ICE configuration the current peer connection was made with (refreshed on a restart). */
  ice: IceConfig = { iceServers: [], ttl: 0, iceTransportPolicy: "all" };
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
        // Fresh TURN credentials, but never wait long for them: the network may be what is broken.
        const fresh = await Promise.race([
          this.fetchIce(),
          new Promise<undefined>((r) => setTimeout(r, 1000)),
        ]);
        if (fresh) this.ice = fresh;
        return fresh?.iceServers;
      },
      restart: (servers, reason) => {
        const s = this.session();
        if (s) restart(s, servers, reason);
      },
    });
  }

  /** ICE servers with fresh TURN credentials; the last known ones when the server cannot be reached. */
  fetchIce(): Promise<IceConfig> {
    return apiJson<IceConfig>("GET", "/api/ice-servers")
      .then((c) => ({ ...c, iceTransportPolicy: c.iceTransportPolicy ?? "all" }))
      .catch(() => this.ice);
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
