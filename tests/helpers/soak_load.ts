/**
 * The soak test's load: its clients and counters, and the traffic they make against a server while
 * `running()` holds — acknowledged sends that count failures, calls set up by ringing and accepting,
 * ICE relays, steady calls that annotate and chat, churn calls set up and torn down, transport drops
 * that must be resumed within the grace period, and pings.
 */
import { api } from "./server.ts";
import { type Client, next, type Outgoing, sendRaw, type Sent, sleep } from "./sockets.ts";

export const ACK_MS = 10_000;
const GRACE_MS = 2000; // the server default

export interface User {
  userId: string;
  token: string;
  socket: Client;
  /** Acks still outstanding: a transport is only dropped when this is 0. */
  inflight: number;
  /** Set while this client's transport is down on purpose. */
  dropping: boolean;
  droppedAt: number;
  /** The steady call this client is in, if any: re-joined when a session could not be resumed. */
  callId?: string;
}

export interface Stats {
  errors: string[];
  relaysSent: number;
  /** Annotations and chat acknowledged to their sender, and received by the peer (replayed across drops). */
  annotations: number;
  chats: number;
  roomReceived: number;
  /** The same two counts per steady call, to name the calls where they differ. */
  perCall: Map<string, { acked: number; received: number; drops: number }>;
  drops: number;
  recovered: number;
  /** Reconnects that took longer than the grace period: not resumable by design, the client re-joins. */
  late: number;
  churnCalls: number;
  pings: number;
  latencies: number[];
}

export async function pool<T>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      await fn(items[i], i);
    }
  }));
}

/** The per-call counts of a steady call. */
export function callCount(stats: Stats, callId: string) {
  let c = stats.perCall.get(callId);
  if (!c) stats.perCall.set(callId, c = { acked: 0, received: 0, drops: 0 });
  return c;
}

/** A pair in one long call: the technician `t` and the expert `e`. */
export interface SteadyCall {
  callId: string;
  t: User;
  e: User;
}

/**
 * The traffic of the soak over `url`, counted in `stats`; `fail` records an error. `techs[i]` and
 * `experts[i]` are pair i (filled in by the time the loops start).
 */
export function soakTraffic(
  url: string,
  stats: Stats,
  fail: (what: string) => void,
  running: () => boolean,
  techs: User[],
  experts: User[],
) {
  const watch = (u: User) => {
    u.socket.on("error", (e) => fail(`error event ${e.code} ${e.event}: ${e.message}`));
    u.socket.on("user-left", (p) => fail(`user-left ${p.userId} in ${p.callId}`));
    u.socket.on("disconnect", (reason) => {
      if (!u.dropping && running()) fail(`unexpected disconnect: ${reason}`);
    });
    u.socket.on("connect", async () => {
      if (!u.dropping) return;
      const away = performance.now() - u.droppedAt;
      if (u.socket.recovered) stats.recovered++;
      else if (away >= GRACE_MS) {
        // Past the grace period a session is not resumed: the client re-joins, as PROTOCOL.md says.
        stats.late++;
        if (u.callId) await ack(u, "join-call", { callId: u.callId });
      } else fail(`session not resumed after ${Math.round(away)} ms away`);
      u.dropping = false;
    });
  };

  const ack = async <E extends Outgoing>(u: User, event: E, payload?: Sent<E>) => {
    u.inflight++;
    try {
      const r = await sendRaw(u.socket, event, payload, ACK_MS); // typed by ack()'s signature
      if (!r.ok) fail(`${event}: ${r.error.code} ${r.error.message}`);
      return r;
    } catch (e) {
      fail(`${event}: ${(e as Error).message}`);
      return { ok: false as const, error: { code: "TIMEOUT", message: "" } };
    } finally {
      u.inflight--;
    }
  };

  const startCall = async (t: User, e: User): Promise<string> => {
    const callId = (await api(url, "POST", "/api/create-call", { token: t.token, body: {} })).body.callId;
    const rung = next(e.socket, "call-request", ACK_MS, (p) => p.callId === callId);
    await ack(t, "call-request", { callId, to: e.userId });
    await rung;
    await ack(e, "call-response", { callId, accepted: true });
    await ack(t, "join-call", { callId });
    return callId;
  };

  const relay = async (from: User, to: User, callId: string, n: number) => {
    if (from.dropping) return;
    const t1 = performance.now();
    const r = await ack(from, "ice-candidate", {
      callId,
      to: to.userId,
      candidate: {
        candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${40000 + (n % 20000)} typ host`,
      },
    });
    if (r.ok) {
      stats.relaysSent++;
      stats.latencies.push(performance.now() - t1);
    }
  };

  const steadyLoop = async ({ callId, t, e }: SteadyCall, i: number) => {
    for (let n = 0; running(); n++) {
      await sleep(1500 + ((i * 37 + n * 11) % 1000));
      if (!running()) break;
      await Promise.all([relay(t, e, callId, n), relay(e, t, callId, n)]);
      if (!e.dropping) {
        const r = await ack(e, "annotation", {
          callId,
          id: `a${n % 20}`,
          kind: "arrow",
          points: [[0.1, 0.1], [0.2 + (n % 10) / 20, 0.3]],
          text: "",
          x: 0.1,
          y: 0.1,
          color: "#ff3300",
        });
        if (r.ok) {
          stats.annotations++;
          callCount(stats, callId).acked++;
        }
      }
      if (n % 3 === 0 && !t.dropping) {
        if ((await ack(t, "chat", { callId, id: `m${n}`, text: `status ${n}` })).ok) {
          stats.chats++;
          callCount(stats, callId).acked++;
        }
      }
    }
  };

  const churnLoop = async (i: number) => {
    const t = techs[i], e = experts[i];
    for (let n = 0; running(); n++) {
      await sleep(500 + ((i * 53 + n * 17) % 1500));
      if (!running()) break;
      const callId = await startCall(t, e);
      const offer = next(e.socket, "offer", ACK_MS);
      await ack(t, "offer", { callId, to: e.userId, offer: { type: "offer", sdp: "v=0 soak" } });
      await offer;
      const answer = next(t.socket, "answer", ACK_MS);
      await ack(e, "answer", { callId, to: t.userId, answer: { type: "answer", sdp: "v=0 soak" } });
      await answer;
      await ack(e, "annotation", { callId, id: "pin", text: "here", x: 0.5, y: 0.5 });
      const ended = next(e.socket, "call-ended", ACK_MS);
      await ack(t, "end-call", { callId });
      await ended;
      await ack(e, "end-call", { callId });
      stats.churnCalls++;
    }
  };

  // Transport drops on steady-call clients: each must come back with its session recovered.
  const dropLoop = async (steady: SteadyCall[]) => {
    for (let n = 0; running(); n++) {
      await sleep(200);
      const pick = steady[(n * 7919) % steady.length];
      const u = n % 2 ? pick.t : pick.e;
      if (u.dropping || u.inflight > 0 || !u.socket.connected) continue;
      u.dropping = true;
      u.droppedAt = performance.now();
      stats.drops++;
      callCount(stats, pick.callId).drops++;
      // deno-lint-ignore no-explicit-any
      (u.socket.io as any).engine.close();
    }
  };

  const pingLoop = async () => {
    const everyone = [...techs, ...experts];
    for (let n = 0; running(); n++) {
      await sleep(100);
      for (let k = 0; k < 10; k++) {
        const u = everyone[(n * 10 + k) % everyone.length];
        if (u.dropping) continue;
        ack(u, "ping").then((r) => r.ok && stats.pings++);
      }
    }
  };

  return { watch, ack, startCall, steadyLoop, churnLoop, dropLoop, pingLoop };
}
