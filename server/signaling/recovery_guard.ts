/**
 * Resuming a socket session (connection state recovery) skips the auth
 * middleware, so the session's identity is checked here instead, before the
 * adapter computes the packets it missed: a token revoked or expired while
 * the client was away, or a deleted user, means no resume and no replay.
 */
import type { Logger } from "pino";
import type { TokenService } from "../auth/tokens.ts";
import { onEachAdapter } from "./each_adapter.ts";
import type { IoServer, SocketData } from "./types.ts";

/** How often the identities of sessions never resumed are swept. */
const SWEEP_MS = 1000;

interface RecoverableAdapter {
  persistSession(session: { pid: string; data: SocketData }): unknown;
  restoreSession(pid: string, offset: string): Promise<{ data?: SocketData } | null>;
}

/**
 * Guards session resumption on the namespace's adapter, and on any adapter
 * installed later (`io.adapter(...)`, as the Redis mode does). A session this
 * node persisted is checked before the adapter computes its missed packets;
 * one persisted by another node is checked on what it carries, before the
 * socket is created.
 */
export function guardRecovery(io: IoServer, tokens: TokenService, log: Logger, windowMs: number): void {
  const identities = new Map<string, { identity: SocketData["identity"]; at: number }>();
  let swept = Date.now();
  const valid = async (identity: SocketData["identity"] | undefined) => {
    if (!identity) return undefined;
    try {
      return await tokens.recheck(identity);
    } catch {
      log.info({ event: "recovery-refused", userId: identity.userId }, "session not resumed");
      return undefined;
    }
  };
  const guard = (adapter: RecoverableAdapter) => {
    const persist = adapter.persistSession.bind(adapter);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.persistSession = (session) => {
      const now = Date.now();
      if (now - swept > SWEEP_MS) {
        swept = now;
        for (const [pid, e] of identities) if (now - e.at > windowMs) identities.delete(pid);
      }
      if (session.data?.identity) identities.set(session.pid, { identity: session.data.identity, at: now });
      return persist(session);
    };
    adapter.restoreSession = async (pid, offset) => {
      const known = identities.get(pid);
      identities.delete(pid);
      if (known) return (await valid(known.identity)) ? restore(pid, offset) : null;
      const session = await restore(pid, offset);
      const identity = session && await valid(session.data?.identity);
      if (!session || !identity) return null;
      session.data!.identity = identity;
      return session;
    };
  };
  onEachAdapter(io, guard);
}
