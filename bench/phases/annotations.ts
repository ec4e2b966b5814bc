/** Annotation fan-out: experts draw strokes; technicians time each one from send to arrival (one-way). */
import type { ActiveCall } from "../calls.ts";
import { now, paced, sleep, summarize } from "../stats.ts";

const STROKE = Array.from({ length: 20 }, (_, i) => [i / 40, 0.25 + i / 80] as [number, number]);

export async function annotationFanout(calls: ActiveCall[], opts: { ratePerSec: number; seconds: number }) {
  const samples: number[] = [];
  let acked = 0;
  let refused = 0;
  for (const c of calls) {
    c.tech.socket.on("annotation", (a: { objectId?: string }) => {
      samples.push(now() - Number(a.objectId));
    });
  }
  const sent = await paced(opts.ratePerSec, opts.seconds, (i) => {
    const c = calls[i % calls.length];
    const stroke = {
      callId: c.callId,
      id: `s${i}`,
      text: "",
      x: STROKE[0][0],
      y: STROKE[0][1],
      kind: "stroke",
      points: STROKE,
      color: "#ff3b30",
      width: 0.005,
      objectId: String(now()),
    };
    c.expert.socket.emit("annotation", stroke, (ack: { ok: boolean }) => ack.ok ? acked++ : refused++);
  });
  for (let i = 0; i < 50 && samples.length < sent; i++) await sleep(100); // drain
  for (const c of calls) c.tech.socket.off("annotation");
  return {
    ratePerSec: opts.ratePerSec,
    sent,
    acked,
    refused,
    ...summarize(samples),
    lost: sent - samples.length,
  };
}
