/**
 * Relay round trip: the technician sends an offer, the expert's client
 * answers as soon as it gets it, the technician times offer → answer.
 */
import type { ActiveCall } from "../calls.ts";
import { now, paced, sleep, summarize } from "../stats.ts";

/** A realistic SDP size (~1.5 KB); the sequence number rides in the o= line. */
export const sdpFor = (seq: number) =>
  `v=0\r\no=- ${seq} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n` +
  "a=group:BUNDLE 0 1\r\n" + "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host\r\n".repeat(20);
export const seqOf = (sdp: string) => Number(/o=- (\d+) /.exec(sdp)?.[1]);

export async function relay(calls: ActiveCall[], opts: { ratePerSec: number; seconds: number }) {
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  for (const c of calls) {
    c.expert.socket.on("offer", (p: { offer: { sdp: string }; callId: string; from: string }) => {
      c.expert.socket.emit("answer", {
        callId: p.callId,
        to: p.from,
        answer: { type: "answer", sdp: p.offer.sdp },
      });
    });
    c.tech.socket.on("answer", (p: { answer: { sdp: string } }) => {
      const seq = seqOf(p.answer.sdp);
      const t = sentAt.get(seq);
      if (t !== undefined) {
        samples.push(now() - t);
        sentAt.delete(seq);
      }
    });
  }
  const sent = await paced(opts.ratePerSec, opts.seconds, (seq) => {
    const c = calls[seq % calls.length];
    sentAt.set(seq, now());
    c.tech.socket.emit("offer", {
      callId: c.callId,
      to: c.expert.user.id,
      offer: { type: "offer", sdp: sdpFor(seq) },
    });
  });
  for (let i = 0; i < 50 && sentAt.size; i++) await sleep(100); // drain
  for (const c of calls) {
    c.expert.socket.off("offer");
    c.tech.socket.off("answer");
  }
  return { ratePerSec: opts.ratePerSec, sent, ...summarize(samples), lost: sentAt.size };
}
