/**
 * Resuming a socket session (connection state recovery) skips the auth
 * middleware, so the session's identity is checked here instead, before the
 * adapter computes the packets it missed: a token revoked or expired while
 * the client was away, or a deleted user, means no resume and no replay.
 */
import type { Logger } from "pino";
import type { TokenService } from "../auth/tokens.ts";
import type { SocketData } from "./types.ts";

/** How often the identities of sessions never resumed are swept. */
const SWEEP_MS = 1000;

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
    if (now - swept > SWEEP_MS) {
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
