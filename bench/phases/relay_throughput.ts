/**
 * Relay throughput: every call keeps `window` offers in flight (the expert answers each at once, the
 * technician sends the next offer as soon as an answer comes back), so the server relays as fast as it
 * can. Counts the round trips completed in `seconds` and the server's CPU time they took.
 */
import type { ActiveCall } from "../calls.ts";
import { sleep } from "../stats.ts";

const SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
  "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host\r\n".repeat(20);

/** User + system CPU time of a process, ms (Linux /proc). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 1/100 s ticks
}

export interface ThroughputResult {
  seconds: number;
  roundTrips: number;
  /** Relayed messages per second (an offer and its answer are two). */
  relayedPerSec: number;
  /** Server CPU per relayed message, µs. */
  serverCpuUsPerMessage: number;
}

export async function relayThroughput(
  calls: ActiveCall[],
  opts: { seconds: number; window: number; serverPid: number },
): Promise<ThroughputResult> {
  let counting = false, running = true, roundTrips = 0;
  const offer = (c: ActiveCall) =>
    c.tech.socket.emit("offer", {
      callId: c.callId,
      to: c.expert.user.id,
      offer: { type: "offer", sdp: SDP },
    });
  for (const c of calls) {
    c.expert.socket.on("offer", (p: { callId: string; from: string; offer: { sdp: string } }) => {
      c.expert.socket.emit("answer", {
        callId: p.callId,
        to: p.from,
        answer: { type: "answer", sdp: p.offer.sdp },
      });
    });
    c.tech.socket.on("answer", () => {
      if (counting) roundTrips++;
      if (running) offer(c);
    });
  }
  for (const c of calls) for (let i = 0; i < opts.window; i++) offer(c);
  await sleep(1000); // warm-up: the JIT and the server's caches
  const cpuBefore = await cpuMs(opts.serverPid);
  const started = performance.now();
  counting = true;
  await sleep(opts.seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await cpuMs(opts.serverPid)) - cpuBefore;
  running = false;
  await sleep(500); // drain what is in flight
  for (const c of calls) {
    c.expert.socket.off("offer");
    c.tech.socket.off("answer");
  }
  const messages = roundTrips * 2;
  return {
    seconds: Math.round(elapsed * 100) / 100,
    roundTrips,
    relayedPerSec: Math.round(messages / elapsed),
    serverCpuUsPerMessage: Math.round((cpu * 1000 / Math.max(1, messages)) * 100) / 100,
  };
}
