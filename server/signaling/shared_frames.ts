/**
 * A presence flush sends every old Technician the same packets: one `user-status-change` per change. Emitted
 * to a room, each packet to each socket is its own trip through engine.io and its own write (10–20 µs in
 * Deno's Node layer); 1,500 Experts coming online to 1,500 Technicians is 2.25 million of them. Here the
 * packets are encoded and kept for replay once per room (RecoveryAdapter.encodeBroadcasts), and a WebSocket
 * client gets all their frames as one engine.io packet: one write of bytes shared by the room's sockets. Each
 * is still its own WebSocket frame and its own Socket.IO packet, with its own offset, in order.
 */
import type { EncodedPacket } from "./recovery_adapter.ts";
import type { IoSocket } from "./types.ts";

/** Socket.IO's socket runs its `onAnyOutgoing` listeners with this (internal in its typings). */
interface OutgoingListeners {
  notifyOutgoingListeners(packet: EncodedPacket["packet"]): void;
}
/** The engine.io connection under a socket, as this file writes to it (`write` takes any packet options). */
interface EngineConnection {
  transport: { name: string };
  upgrading: boolean;
  write(data: unknown, options: EncodedPacket["opts"]): void;
}

export class SharedFrames {
  /** Every packet's WebSocket frame in one buffer, when each has one (none carries binary). */
  private readonly frames?: Buffer[];

  constructor(private readonly packets: EncodedPacket[]) {
    const each = packets.map((p) => p.opts.wsPreEncodedFrame);
    if (packets.length > 1 && each.every((f) => f !== undefined)) this.frames = [Buffer.concat(each.flat())];
  }

  writeTo(socket: IoSocket): void {
    const notify = (socket as unknown as OutgoingListeners).notifyOutgoingListeners;
    for (const p of this.packets) notify.call(socket, p.packet);
    const conn = socket.conn as unknown as EngineConnection;
    // Polling, or a transport being upgraded, sends each packet's own encoding: one at a time there.
    if (this.frames && conn.transport.name === "websocket" && !conn.upgrading) {
      // The engine queues it behind what it is still writing to this socket, as any packet.
      conn.write(this.packets[0].encoded[0], { wsPreEncodedFrame: this.frames });
      return;
    }
    for (const p of this.packets) for (const encoded of p.encoded) conn.write(encoded, p.opts);
  }
}
