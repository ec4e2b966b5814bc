/**
 * The old mobile clients' workload, as they send it: compat events only, no acks, `from`/`userId` in the
 * payloads, presence one `user-status-change` per change. Runs against any server that speaks the old
 * protocol (MobiMaint, the replaced server, a bare relay), so all are measured by the same code.
 */
import { io, type Socket } from "socket.io-client";
import { sdpFor, seqOf } from "../phases/relay.ts";
import { now, paced, pool, sleep, summarize, type Summary } from "../stats.ts";
import { type PresenceStorm, startPhaseStorms, type StormResult, type StormUser } from "../presence_storm.ts";
import { startCompatCrowd } from "./crowds.ts";

/** How many clients open at once, over all load processes. */
const OPENING = 100;

/**
 * Call setups made before the timed ones and not counted, with pairs of their own: the first setups of a fresh
 * process run code not yet compiled (the server's and this load generator's: 20–25 ms for the first against
 * 6–9 ms after). `deno task bench` warms its setups up the same way.
 */
const WARM_UP_SETUPS = 5;
/** After the warm-up: its Experts' busy state is told to every Technician before the timed setups start. */
const AFTER_WARM_UP_MS = 2000;

export interface CompatUser {
  name: string;
  role: "Technician" | "Expert";
  /** MobiMaint needs the login token; servers without auth ignore it. */
  token?: string;
}

export interface CompatTarget {
  url: string;
  /** `POST /api/create-call` body and headers for a call created by `tech`. */
  createCall(tech: CompatUser): Promise<string>;
  /** What `user` signs in with (`POST /login`); undefined: the server has no logins. */
  loginAs?(user: CompatUser): { username: string; password: string };
}

export interface Client {
  user: CompatUser;
  socket: Socket;
}

export interface CompatFigures {
  clients: number;
  connectMs: number;
  setup: Summary;
  relay: Summary & { lost: number };
  annotation: Summary & { lost: number };
  /**
   * How long after every client was connected the measured Technicians last heard of an Expert coming
   * online (ms): the presence a server still sends after the connections. NaN: it had not ended after 60 s.
   */
  presenceAfterConnectMs: number;
  /** Relay and annotations again, each while 100 Experts log in (`storm` given). */
  duringStorm?: Pick<CompatFigures, "relay" | "annotation"> & {
    storms?: StormResult[];
    /** Per storm: from its last Expert registered until every measured Technician knew them all online (ms; NaN: never). */
    presenceAfterStormMs?: number[];
  };
}

/** When Technicians' clients first heard that each user was online (`user-status-change`, old protocol). */
class OnlineWatch {
  private readonly heard: Map<string, number>[] = [];
  /** When the last watcher to hear that each user was online heard it. */
  private readonly lastAt = new Map<string, number>();

  add(tech: Client): void {
    const seen = new Map<string, number>();
    this.heard.push(seen);
    tech.socket.on("user-status-change", (p: { userId: string; status: string }) => {
      if (p.status !== "online" || seen.has(p.userId)) return;
      seen.set(p.userId, now());
      this.lastAt.set(p.userId, now());
    });
  }

  /**
   * Waits until no watcher has heard of any of `names` for `quietMs` (at most `ms`): the time the last of them
   * was heard of, else NaN.
   */
  async lastHeard(names: string[], quietMs = 20_000, ms = 60_000): Promise<number> {
    const started = now();
    const last = () => Math.max(started, this.latest(names));
    for (const end = now() + ms; now() - last() < quietMs && now() < end;) await sleep(100);
    return now() - last() >= quietMs ? last() : NaN;
  }

  /**
   * Waits (at most `ms`) until every watcher has heard of every one of `names`: the time the last of them
   * heard of the last, else NaN.
   */
  async heardAll(names: string[], ms = 30_000): Promise<number> {
    const missing = () => this.heard.some((seen) => names.some((n) => !seen.has(n)));
    for (const end = now() + ms; missing() && now() < end;) await sleep(100);
    return missing() ? NaN : this.latest(names);
  }

  /** When the last watcher heard of the last of `names` (0 if none was heard of). */
  private latest(names: string[]): number {
    return names.reduce((latest, n) => Math.max(latest, this.lastAt.get(n) ?? 0), 0);
  }
}

/** Resolves with the first `event` payload that `match` accepts. */
function once<T>(socket: Socket, event: string, match: (p: T) => boolean, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} in ${ms} ms`));
    }, ms);
    const handler = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(p);
    };
    socket.on(event, handler);
  });
}

/** Opens a websocket client and registers as old clients do; resolved once the server answered a ping after it. */
export function connectCompat(url: string, user: CompatUser): Promise<Client> {
  const socket = io(url, {
    auth: user.token ? { token: user.token } : undefined,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (e) => reject(new Error(`connect ${user.name}: ${e.message}`)));
    socket.once("connect", () => {
      socket.emit("register", { userId: user.name });
      socket.once("pong", () => resolve({ user, socket }));
      socket.emit("ping"); // handled after register: the pong says register is done
    });
  });
}

async function setupCall(target: CompatTarget, tech: Client, expert: Client): Promise<string> {
  const callId = await target.createCall(tech.user);
  const rung = once<{ callId: string }>(expert.socket, "call-request", (p) => p.callId === callId);
  tech.socket.emit("call-request", { callId, from: tech.user.name, to: expert.user.name });
  await rung;
  const answered = once<{ callId: string }>(tech.socket, "call-response", (p) => p.callId === callId);
  expert.socket.emit("call-response", { callId, from: expert.user.name, to: tech.user.name, accepted: true });
  await answered;
  const joined = once(tech.socket, "existing-users", () => true);
  tech.socket.emit("join-call", { callId, userId: tech.user.name, role: "Technician" });
  await joined;
  return callId;
}

export async function runCompatWorkload(
  target: CompatTarget,
  users: CompatUser[],
  opts: {
    calls: number;
    messages: number;
    ratePerSec: number;
    /** Runs after the quiet relay and annotations, every client still connected (e.g. to read the server's memory). */
    beforeClose?: () => Promise<void>;
    /**
     * Processes that hold the clients not in a measured call (0: every client in this process). Each phone
     * parses its own presence messages; in this process they would queue ahead of what is measured.
     */
    crowds: number;
    /** The crowds' scheduling priority, 0–19 (`nice`). */
    crowdNiceness: number;
    /**
     * Experts not yet connected: relay and annotations are measured again, each while half of them log in.
     */
    storm?: CompatUser[];
  },
): Promise<CompatFigures> {
  // Interleaved Technician/Expert: the first `calls` pairs are measured and the next WARM_UP_SETUPS pairs warm
  // up, both here; the rest go to the crowds.
  const measured = users.slice(0, 2 * (opts.calls + WARM_UP_SETUPS));
  const rest = users.slice(measured.length);
  const crowds = await Promise.all(
    Array.from({ length: opts.crowds }, (_, k) =>
      startCompatCrowd(
        target.url,
        // By pairs: each crowd gets as many Technicians, who are sent the Experts' presence, as the others.
        rest.filter((_, i) => Math.floor(i / 2) % opts.crowds === k),
        Math.ceil(OPENING / (opts.crowds + 1)),
        opts.crowdNiceness,
      )),
  );
  const start = now();
  const online = new OnlineWatch();
  const watchers = new Set(measured.filter((u) => u.role === "Technician").map((u) => u.name));
  const [clients] = await Promise.all([
    pool(
      opts.crowds ? measured : users,
      opts.crowds ? Math.ceil(OPENING / (opts.crowds + 1)) : OPENING,
      async (u) => {
        const c = await connectCompat(target.url, u);
        // The measured Technicians watch presence: they are sent every Expert that connects after them.
        if (watchers.has(u.name)) online.add(c);
        return c;
      },
    ),
    ...crowds.map((c) => c.connect()),
  ]);
  const connectMs = now() - start;
  const connectedAt = now();
  // Some of the crowds' Experts opened before a watcher did: it is never told of them. So no count is
  // expected; the presence is over once none has come for 20 s (a server may pause it for seconds).
  const lastHeard = online.lastHeard(rest.filter((u) => u.role === "Expert").map((u) => u.name));
  await sleep(1000);

  const techs = clients.filter((c) => c.user.role === "Technician");
  const experts = clients.filter((c) => c.user.role === "Expert");
  for (let i = opts.calls; i < opts.calls + WARM_UP_SETUPS; i++) {
    await setupCall(target, techs[i], experts[i]);
  }
  await sleep(AFTER_WARM_UP_MS);
  const setupMs: number[] = [];
  const calls: Call[] = [];
  for (let i = 0; i < opts.calls; i++) {
    const t0 = now();
    const callId = await setupCall(target, techs[i], experts[i]);
    setupMs.push(now() - t0);
    calls.push({ callId, tech: techs[i], expert: experts[i] });
  }

  const quiet = await relayAndAnnotations(calls, opts);
  const presenceAfterConnectMs = Math.max(0, await lastHeard - connectedAt);
  await opts.beforeClose?.();
  let duringStorm: CompatFigures["duringStorm"];
  if (opts.storm?.length) {
    // The same phases again, each while a shift of Experts logs in (a storm of its own per phase).
    const storms = await startPhaseStorms(target.url, opts.storm.map((u) => stormUser(target, u)), "compat");
    try {
      duringStorm = await relayAndAnnotations(calls, opts, { ...storms, online, users: opts.storm });
    } finally {
      await storms.stop();
    }
  }
  for (const c of clients) c.socket.close();
  await Promise.all(crowds.map((c) => c.stop()));
  return {
    clients: users.length,
    connectMs,
    presenceAfterConnectMs,
    setup: summarize(setupMs),
    ...quiet,
    duringStorm,
  };
}

const stormUser = (target: CompatTarget, u: CompatUser): StormUser => ({
  name: u.name,
  token: u.token,
  login: target.loginAs?.(u),
});

type Call = { callId: string; tech: Client; expert: Client };

/**
 * Offers echoed back as answers (relay round trip), then compat pins one way. With `storms`, the first
 * storm goes as the relay phase starts and the second as the annotations start.
 */
async function relayAndAnnotations(
  calls: Call[],
  opts: { messages: number; ratePerSec: number },
  storms?: {
    relay: PresenceStorm;
    annotations: PresenceStorm;
    /** The Technicians watching presence, and the storms' Experts (the first half log in first). */
    online: OnlineWatch;
    users: CompatUser[];
  },
): Promise<NonNullable<CompatFigures["duringStorm"]>> {
  const sentAt = new Map<number, number>();
  const relayMs: number[] = [];
  for (const c of calls) {
    c.expert.socket.on(
      "offer",
      (p: { offer: { sdp: string }; from: string; callId: string }) =>
        c.expert.socket.emit("answer", {
          callId: p.callId,
          to: p.from,
          answer: { type: "answer", sdp: p.offer.sdp },
        }),
    );
    c.tech.socket.on("answer", (p: { answer: { sdp: string } }) => {
      const seq = seqOf(p.answer.sdp);
      const t = sentAt.get(seq);
      if (t === undefined) return;
      relayMs.push(now() - t);
      sentAt.delete(seq);
    });
  }
  const seconds = opts.messages / opts.ratePerSec;
  const stormed: Promise<{ result: StormResult; presenceAfterMs: number }>[] = [];
  const half = Math.ceil((storms?.users.length ?? 0) / 2);
  const go = (storm: PresenceStorm, users: CompatUser[]) =>
    storm.go().then(async (result) => {
      const registeredAt = now();
      const heard = await storms!.online.heardAll(users.map((u) => u.name));
      return { result, presenceAfterMs: Math.max(0, heard - registeredAt) };
    });
  if (storms) stormed.push(go(storms.relay, storms.users.slice(0, half)));
  await paced(opts.ratePerSec, seconds, (seq) => {
    const c = calls[seq % calls.length];
    sentAt.set(seq, now());
    c.tech.socket.emit("offer", {
      callId: c.callId,
      to: c.expert.user.name,
      offer: { type: "offer", sdp: sdpFor(seq) },
    });
  });
  for (let i = 0; i < 50 && sentAt.size; i++) await sleep(100);
  for (const c of calls) {
    c.expert.socket.off("offer");
    c.tech.socket.off("answer");
  }

  // Compat pins from the Expert; the Technician times each one (sent time in objectId).
  const annotationMs: number[] = [];
  for (const c of calls) {
    c.tech.socket.on(
      "annotation",
      (a: { objectId?: string }) => annotationMs.push(now() - Number(a.objectId)),
    );
  }
  if (storms) stormed.push(go(storms.annotations, storms.users.slice(half)));
  const sent = await paced(opts.ratePerSec, seconds, (i) => {
    const c = calls[i % calls.length];
    c.expert.socket.emit("annotation", {
      callId: c.callId,
      id: `p${i % 500}`,
      text: "here",
      x: 0.5,
      y: 0.5,
      from: c.expert.user.name,
      objectId: String(now()),
    });
  });
  for (let i = 0; i < 50 && annotationMs.length < sent; i++) await sleep(100);
  for (const c of calls) c.tech.socket.off("annotation");
  return {
    relay: { ...summarize(relayMs), lost: sentAt.size },
    annotation: { ...summarize(annotationMs), lost: sent - annotationMs.length },
    ...(storms && await Promise.all(stormed).then((s) => ({
      storms: s.map((x) => x.result),
      presenceAfterStormMs: s.map((x) => x.presenceAfterMs),
    }))),
  };
}
