/**
 * Connection state recovery, made safe and bounded:
 * - a session is resumed only while its identity is still valid (token not
 *   revoked or expired, user not deleted), checked before any missed packet
 *   is replayed; so resumed sockets can skip the auth middleware, which closes
 *   Socket.IO's gap where packets broadcast while middlewares run were lost;
 * - the in-memory adapter's replay buffer is pruned every second instead of
 *   every minute, so it holds only the recovery window's packets, and a quiet
 *   client whose last offset is older than that buffer still resumes.
 */
import { SessionAwareAdapter } from "socket.io-adapter";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "pino";
import type { SocketData } from "./types.ts";

const PRUNE_MS = 1000;

interface BufferedPacket {
  id: string;
  emittedAt: number;
  opts: { rooms: Set<string>; except: Set<string> };
  data: unknown[];
}

interface Buffered {
  sessions: Map<string, { disconnectedAt: number; rooms: string[] }>;
  packets: BufferedPacket[];
  maxDisconnectionDuration: number;
}

const YEAST = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/** The emission time (ms) inside a packet offset (a yeast id: base-64 time, then ".seq"); NaN when malformed. */
function offsetTime(offset: string): number {
  const time = offset.split(".")[0];
  let n = 0;
  for (const ch of time) {
    const digit = YEAST.indexOf(ch);
    if (digit < 0) return NaN;
    n = n * 64 + digit;
  }
  return time ? n : NaN;
}

/** Whether a broadcast reached the session's rooms (as socket.io-adapter decides it). */
const reaches = (rooms: string[], opts: BufferedPacket["opts"]) =>
  (opts.rooms.size === 0 || rooms.some((r) => opts.rooms.has(r))) && rooms.every((r) => !opts.except.has(r));

/** The default in-memory adapter, pruning expired sessions and replay packets every second. */
export class PromptPruningAdapter extends SessionAwareAdapter {
  private readonly pruneTimer: ReturnType<typeof setInterval>;

  // deno-lint-ignore no-explicit-any
  constructor(nsp: any) {
    super(nsp);
    const self = this as unknown as Buffered;
    this.pruneTimer = setInterval(() => {
      const threshold = Date.now() - self.maxDisconnectionDuration;
      for (const [pid, session] of self.sessions) {
        if (session.disconnectedAt < threshold) self.sessions.delete(pid);
      }
      // Packets are kept twice the window: also those in flight when a transport died unnoticed.
      const keep = self.packets.findIndex((p) => p.emittedAt >= threshold - self.maxDisconnectionDuration);
      self.packets.splice(0, keep === -1 ? self.packets.length : keep);
    }, PRUNE_MS);
    Deno.unrefTimer(this.pruneTimer);
  }

  /**
   * As the stock adapter, except when the client's last offset is older than
   * the buffer (a quiet client): then it received none of the buffered
   * packets for its rooms, so all of them are replayed instead of refusing
   * to resume (socket.io/socket.io#5282).
   */
  // deno-lint-ignore no-explicit-any
  override restoreSession(pid: string, offset: string): Promise<any> {
    const self = this as unknown as Buffered;
    const session = self.sessions.get(pid);
    const live = session && session.disconnectedAt + self.maxDisconnectionDuration >= Date.now();
    if (!live || self.packets.some((p) => p.id === offset)) return super.restoreSession(pid, offset);
    const at = offsetTime(offset);
    const oldest = self.packets[0]?.emittedAt ?? Date.now();
    // Not in the buffer yet not older than it (same-millisecond ids tie): an unknown offset, refused.
    if (!(at <= oldest)) return super.restoreSession(pid, offset);

    const missedPackets = self.packets.filter((p) => reaches(session.rooms, p.opts)).map((p) => p.data);
    return Promise.resolve({ ...session, missedPackets });
  }

  override close(): Promise<void> | void {
    clearInterval(this.pruneTimer);
    return super.close();
  }
}

interface RecoverableAdapter {
  persistSession(session: { pid: string; data: SocketData }): void;
  restoreSession(pid: string, offset: string): Promise<unknown>;
}

/**
 * Refuses to resume a session whose identity is no longer valid; the client
 * then connects afresh through the auth middleware. The check runs before the
 * adapter computes the missed packets, so nothing is lost while it runs.
 */
export function guardRecovery(
  adapter: RecoverableAdapter,
  tokens: TokenService,
  log: Logger,
  windowMs: number,
): void {
  const identities = new Map<string, { identity: SocketData["identity"]; at: number }>();
  let swept = Date.now();
  const persist = adapter.persistSession.bind(adapter);
  const restore = adapter.restoreSession.bind(adapter);
  adapter.persistSession = (session) => {
    const now = Date.now();
    if (now - swept > PRUNE_MS) {
      swept = now;
      for (const [pid, e] of identities) if (now - e.at > windowMs) identities.delete(pid);
    }
    if (session.data?.identity) identities.set(session.pid, { identity: session.data.identity, at: now });
    persist(session);
  };
  adapter.restoreSession = async (pid, offset) => {
    const entry = identities.get(pid);
    identities.delete(pid);
    if (!entry) return null;
    try {
      await tokens.recheck(entry.identity);
    } catch {
      log.info({ event: "recovery-refused", userId: entry.identity.userId }, "session not resumed");
      return null;
    }
    return restore(pid, offset);
  };
}
