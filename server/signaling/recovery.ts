/**
 * Connection state recovery, made safe and bounded:
 * - a session is resumed only while its identity is still valid (token not
 *   revoked or expired, user not deleted), checked before any missed packet
 *   is replayed; so resumed sockets can skip the auth middleware, which closes
 *   Socket.IO's gap where packets broadcast while middlewares run were lost;
 * - the in-memory adapter's replay buffer is pruned every second instead of
 *   every minute, so it holds only the recovery window's packets.
 */
import { SessionAwareAdapter } from "socket.io-adapter";
import type { TokenService } from "../auth/tokens.ts";
import type { Logger } from "pino";
import type { SocketData } from "./types.ts";

const PRUNE_MS = 1000;

interface Buffered {
  sessions: Map<string, { disconnectedAt: number }>;
  packets: { emittedAt: number }[];
  maxDisconnectionDuration: number;
}

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
      const keep = self.packets.findIndex((p) => p.emittedAt >= threshold);
      self.packets.splice(0, keep === -1 ? self.packets.length : keep);
    }, PRUNE_MS);
    Deno.unrefTimer(this.pruneTimer);
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
