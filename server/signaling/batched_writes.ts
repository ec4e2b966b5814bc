/**
 * Packets queued for one client go out in one write. Engine.io sends a client's first packet at once and
 * queues the ones that follow until that write completes, then hands the queue to the WebSocket transport,
 * which writes each packet as its own frame: one system call per packet. A presence flush to old clients
 * (one `user-status-change` per change, to every technician) made that a third of the server's time at
 * 3,000 old clients. Holding the TCP socket corked while the transport writes the queue sends the frames
 * in one write; each is still its own WebSocket frame and its own Socket.IO packet, in order.
 */
import { transports } from "engine.io";

interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

interface WebSocketTransport {
  /** The `ws` WebSocket; `_socket` is its TCP socket. */
  socket?: { _socket?: Partial<CorkableSocket> };
  send(packets: unknown[]): void;
}

let installed = false;

export function batchWebSocketWrites(): void {
  if (installed) return;
  installed = true;
  const proto =
    (transports as unknown as Record<string, { prototype: WebSocketTransport }>).websocket.prototype;
  const send = proto.send;
  proto.send = function (this: WebSocketTransport, packets: unknown[]) {
    const tcp = this.socket?._socket;
    if (packets.length < 2 || typeof tcp?.cork !== "function" || typeof tcp.uncork !== "function") {
      return send.call(this, packets);
    }
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
}
