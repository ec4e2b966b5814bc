/**
 * Multi-node presence: each node tells the others (Socket.IO server-side
 * events through the Redis adapter) of every presence change it makes, and
 * every `heartbeatMs` sends the full list of users it has sockets for. A node
 * silent for `timeoutMs` is taken as gone and its users as offline there.
 *
 * Who tells clients: the node where a change happened broadcasts the
 * `user-status-change` (rooms span nodes), so applying a remote change is
 * silent. When a user goes offline everywhere, every node runs its own
 * cleanup (the domain's `gone`: the rings it times, the calls joined through it).
 * When a node goes silent, its users get a grace period on every other
 * node, then leave the calls they had there (GracePeriod.nodeLost).
 */
import type { Role } from "../../lib/types.ts";
import type { Deps } from "../context.ts";
import type { PresenceChange } from "../domain/presence.ts";
import type { SocketPresence } from "./presence.ts";
import type { IoServer } from "./types.ts";

const EVENT = "mobimaint:presence";

type Message =
  | { node: string; kind: "change"; change: PresenceChange; role?: Role }
  | { node: string; kind: "snapshot"; online: [string, Role | undefined][] }
  | { node: string; kind: "hello" };

export interface ClusterPresenceOptions {
  heartbeatMs?: number;
  timeoutMs?: number;
}

/** The server-side-event surface of Socket.IO that this file uses (not in IoServer's event types). */
interface ServerSideEvents {
  serverSideEmit(event: string, message: Message): boolean;
  on(event: string, listener: (message: Message) => void): unknown;
  off(event: string, listener: (message: Message) => void): unknown;
}

export class ClusterPresence {
  readonly nodeId = crypto.randomUUID();
  private readonly lastSeen = new Map<string, number>();
  private readonly heartbeatMs: number;
  private readonly timeoutMs: number;
  private timer?: ReturnType<typeof setInterval>;
  private unsubscribe = () => {};
  private readonly listener = (m: Message) => this.receive(m);

  constructor(
    private readonly io: IoServer,
    private readonly deps: Deps,
    private readonly sockets: SocketPresence,
    opts: ClusterPresenceOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 5_000;
    this.timeoutMs = opts.timeoutMs ?? 3 * this.heartbeatMs;
  }

  private get bus(): ServerSideEvents {
    return this.io as unknown as ServerSideEvents;
  }

  /** Starts replicating; busy flags are first rebuilt from the open calls in the store. */
  async start(): Promise<void> {
    const { presence, calls } = this.deps;
    this.unsubscribe = presence.events.add({
      localChange: (change) =>
        this.send({
          node: this.nodeId,
          kind: "change",
          change,
          role: change.type === "online" ? this.sockets.roleOf(change.userId) : undefined,
        }),
    });
    this.bus.on(EVENT, this.listener);
    for (const call of await calls.open()) calls.syncBusy(call);
    this.send({ node: this.nodeId, kind: "hello" });
    this.sendSnapshot();
    this.timer = setInterval(() => {
      this.sendSnapshot();
      this.expireSilentNodes();
    }, this.heartbeatMs);
  }

  close(): void {
    clearInterval(this.timer);
    this.bus.off(EVENT, this.listener);
    this.unsubscribe();
  }

  private receive(m: Message): void {
    if (m.node === this.nodeId) return;
    this.lastSeen.set(m.node, Date.now());
    const { presence } = this.deps;
    if (m.kind === "hello") return this.sendSnapshot();
    if (m.kind === "change") {
      if (m.role) this.sockets.learnRole(m.change.userId, m.role);
      const changed = presence.applyRemote(m.node, m.change);
      if (changed && m.change.type === "online") this.afterRemoteChange([m.change.userId], false);
      return;
    }
    for (const [userId, role] of m.online) if (role) this.sockets.learnRole(userId, role);
    // Normally nothing changes here (the changes came first); if some were missed, clients are told now.
    this.afterRemoteChange(presence.replaceNode(m.node, m.online.map(([userId]) => userId)), true);
  }

  /** Users gone offline everywhere get this node's cleanup; `tell`: also broadcast their status. */
  private afterRemoteChange(userIds: string[], tell: boolean): void {
    for (const userId of userIds) {
      if (tell) this.deps.presence.announce(userId);
      this.deps.grace.offlineElsewhere(userId);
    }
  }

  private expireSilentNodes(): void {
    const cutoff = Date.now() - this.timeoutMs;
    for (const [node, seen] of this.lastSeen) {
      if (seen >= cutoff) continue;
      this.lastSeen.delete(node);
      this.deps.log.warn(
        { event: "node-gone", node },
        "a node stopped answering; its users are offline there",
      );
      // The node cannot clean up after its users: they get a grace period here, then leave their calls.
      const changed = this.deps.presence.replaceNode(node, null);
      for (const userId of changed) this.deps.presence.announce(userId);
      this.deps.grace.nodeLost(changed.filter((userId) => !this.deps.presence.isOnline(userId)));
    }
  }

  private sendSnapshot(): void {
    const online = this.deps.presence.localOnline().map((u) =>
      [u, this.sockets.roleOf(u)] as [string, Role | undefined]
    );
    this.send({ node: this.nodeId, kind: "snapshot", online });
  }

  private send(m: Message): void {
    try {
      this.bus.serverSideEmit(EVENT, m);
    } catch (e) {
      this.deps.log.error({ event: "presence-replication", err: String(e) }, "could not tell other nodes");
    }
  }
}
