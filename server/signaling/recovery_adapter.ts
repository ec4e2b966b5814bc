/**
 * Socket.IO's single-node adapter with connection state recovery, tuned for
 * signaling: it keeps packets for replay only as long as a session can be
 * recovered, and never keeps media negotiation (offer/answer/ICE) — stale
 * after any drop, since the client restarts ICE on reconnect — which is most
 * of the bytes. Without this, every SDP sent stays in memory for minutes.
 */
import { Adapter, SessionAwareAdapter } from "socket.io-adapter";

/** Events not worth replaying after a drop (also used by the multi-node adapter, redis_adapter.ts). */
export const NOT_REPLAYED = new Set(["offer", "answer", "ice-candidate", "pong"]);

type Packet = { type: number; data: unknown[] };
type Opts = Parameters<Adapter["broadcast"]>[1];
type Namespace = ConstructorParameters<typeof SessionAwareAdapter>[0];

export class RecoveryAdapter extends SessionAwareAdapter {
  constructor(nsp: Namespace) {
    super(nsp);
    // The base class trims once a minute; trim as often as sessions can expire.
    // Both fields are private in the typings but plain properties of the base class.
    const internals = this as unknown as {
      packets: { emittedAt: number }[];
      maxDisconnectionDuration: number;
    };
    const ttl = internals.maxDisconnectionDuration;
    setInterval(() => {
      const threshold = Date.now() - ttl;
      const packets = internals.packets;
      let expired = 0;
      while (expired < packets.length && packets[expired].emittedAt < threshold) expired++;
      if (expired) packets.splice(0, expired);
    }, Math.max(1000, ttl)).unref();
  }

  override broadcast(packet: Packet, opts: Opts): void {
    if (NOT_REPLAYED.has(packet.data?.[0] as string)) Adapter.prototype.broadcast.call(this, packet, opts);
    else super.broadcast(packet, opts);
  }
}
