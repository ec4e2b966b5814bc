/**
 * New annotations between the two pages of a call, over a data channel beside the media as well as the
 * signaling socket. On a lossy link the socket's TCP holds an annotation whose packet was lost, and every
 * later one, until it is sent again: 200 ms at the least, 600 ms and more on a slow cellular link. Here each
 * annotation goes twice, unreliably and unordered, a moment apart so that the copies travel in different
 * packets; the receiving page shows the first copy that comes. The socket stays the record (CallBoard):
 * an annotation the server refused is taken back the same way (`{ retract: id }`).
 */
import { isAnnotation } from "../annotations.ts";
import type { Annotation } from "../types.ts";

/** The data channel's id, negotiated out of band (both pages create it with the same id; 17 is poses). */
const CHANNEL_ID = 18;
/** Far enough apart for the second copy to leave in a packet of its own. */
const SECOND_COPY_MS = 40;
/** A copy in one packet: larger drawings (long strokes) go by the socket only. */
const MAX_BYTES = 1100;

export class BoardChannel {
  private channel?: RTCDataChannel;

  constructor(private readonly receive: (m: Annotation | { retract: string }) => void) {}

  /** Both pages create the same negotiated channel on every new peer connection. */
  attachPeer(pc: RTCPeerConnection): void {
    this.channel?.close();
    const ch = this.channel = pc.createDataChannel("annotations", {
      negotiated: true,
      id: CHANNEL_ID,
      ordered: false,
      maxRetransmits: 0,
    });
    ch.onmessage = (e) => {
      if (typeof e.data !== "string" || e.data.length > MAX_BYTES) return;
      try {
        const m = JSON.parse(e.data);
        if (isAnnotation(m)) this.receive(m);
        else if (typeof m?.retract === "string") this.receive({ retract: m.retract });
      } catch { /* not JSON: ignored */ }
    };
  }

  /** Sends `a` twice if the channel is open and it fits one packet; false if it was not sent. */
  send(a: Annotation): boolean {
    return this.twice(JSON.stringify(a));
  }

  /** Takes back an annotation sent here that the server refused. */
  retract(id: string): void {
    this.twice(JSON.stringify({ retract: id }));
  }

  private twice(data: string): boolean {
    const ch = this.channel;
    if (ch?.readyState !== "open" || new TextEncoder().encode(data).length > MAX_BYTES) return false;
    const copy = () => {
      if (ch.readyState === "open") ch.send(data);
    };
    copy();
    setTimeout(copy, SECOND_COPY_MS);
    return true;
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
