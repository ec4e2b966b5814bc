/** Creates the Socket.IO server on the shared node:http server and wires every handler. */
import type { Server as HttpServer } from "node:http";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { Server, type ServerOptions } from "socket.io";
import { batchWebSocketWrites } from "./batched_writes.ts";
import { socketSchemas } from "../../lib/protocol.ts";
import { originAllowed } from "../app.ts";
import type { Deps } from "../context.ts";
import { registerAnchorPoses } from "./anchor_poses.ts";
import { registerAnnotations } from "./annotations.ts";
import { registerAvailability } from "./availability.ts";
import { authenticate } from "./auth.ts";
import { BoardStream } from "./board_stream.ts";
import { CallSignaling } from "./calls.ts";
import { ClusterPresence, type ClusterPresenceOptions } from "./cluster_presence.ts";
import { type HandlerDeps, on, onBare } from "./handler.ts";
import { SocketPresence } from "./presence.ts";
import { RecoveryAdapter } from "./recovery_adapter.ts";
import { guardRecovery } from "./recovery_guard.ts";
import { catchUpResumedSessions } from "./resume_catch_up.ts";
import { registerRelay } from "./relay.ts";
import { rooms } from "./rooms.ts";
import { registerSnapshots, relaySnapshotEvents } from "./snapshots.ts";
import type { IoServer } from "./types.ts";

export interface Signaling {
  io: IoServer;
  /** Resumes calls left open by a previous run (see Departures.recover). */
  recover(): Promise<void>;
  /** Multi-node mode (a cluster adapter is installed): shares presence with the other nodes. */
  startCluster(opts?: ClusterPresenceOptions): Promise<void>;
  /** Resolves once the presence flushes started so far have sent everything. */
  presenceSettled(): Promise<void>;
  /** Tells every client the server is going away, then closes all sockets. */
  close(): Promise<void>;
  /**
   * Ends at once the WebSockets still closing (a peer that never answers the closing handshake would
   * hold them for 30 s); returns how many there were.
   */
  cutWebSockets(): number;
}

export function createSignaling(http: HttpServer, deps: Deps): Signaling {
  const { config } = deps;
  batchWebSocketWrites();
  const io: IoServer = new Server(http, {
    maxHttpBufferSize: config.limits.socketMessageBytes,
    cors: config.origins.length ? { origin: config.origins, credentials: true } : undefined,
    allowRequest: (req, callback) =>
      callback(null, originAllowed(req.headers.origin, req.headers.host, config.origins)),
    // A session is worth recovering only within the grace period: after it the user has left its calls.
    // Resumed sockets skip the middlewares, during which Socket.IO drops broadcasts to them;
    // guardRecovery checks their identity (revoked, expired, deleted) before resuming instead.
    connectionStateRecovery: {
      maxDisconnectionDuration: Math.max(1000, config.graceMs),
      skipMiddlewares: true,
    },
    adapter: RecoveryAdapter as unknown as ServerOptions["adapter"],
  });
  guardRecovery(io, deps.tokens, deps.log, Math.max(1000, config.graceMs));
  catchUpResumedSessions(io, deps.log);
  const h: HandlerDeps = {
    schemas: socketSchemas(config.limits),
    limiter: new RateLimiterMemory({ points: config.limits.socketEventsPerSec, duration: 1 }),
    log: deps.log,
    metrics: deps.metrics,
    activity: deps.activity,
  };
  const presence = new SocketPresence(io, deps);
  const calls = new CallSignaling(io, deps);
  const board = new BoardStream(io, deps.tokens);

  const stopSnapshotEvents = relaySnapshotEvents(io, deps);
  io.use(authenticate(deps.tokens));
  io.on("connection", (socket) => {
    const who = socket.data.identity;
    presence.connected(socket);
    if (socket.recovered) calls.adopt(socket);
    deps.log.debug(
      { event: "socket-connected", userId: who.userId, recovered: socket.recovered },
      "connected",
    );

    on(socket, h, "register", () => {
      socket.join(rooms.user(who.userId));
      return { userId: who.userId, role: who.role };
    });
    on(socket, h, "reconnect-after-call", () => {
      socket.emit("reconnect-success", { userId: who.userId, message: "Reconnected successfully" });
      return { userId: who.userId };
    });
    on(socket, h, "logout", () => {
      deps.grace.signOut(who.userId);
      io.in(rooms.user(who.userId)).disconnectSockets(true);
      board.disconnect(who.userId).catch(() => {});
    });
    onBare(socket, h, "ping", () => {
      const at = Date.now();
      socket.emit("pong", { at });
      return { at };
    });
    calls.register(socket, h);
    registerRelay(io, deps, socket, h);
    registerAnnotations(deps, board, socket, h);
    registerAnchorPoses(deps, socket, h);
    registerSnapshots(deps, socket, h);
    registerAvailability(deps, socket, h);

    socket.on("disconnect", () => {
      h.limiter.delete(socket.id).catch(() => {});
      presence.disconnected(socket);
    });
  });

  const disconnectUser = async (userId: string, jti?: string) => {
    for (const s of await io.in(rooms.user(userId)).fetchSockets()) {
      if (!jti || s.data.identity?.jti === jti) s.disconnect(true);
    }
    await board.disconnect(userId, jti);
  };
  const stopFollowingUsers = deps.users.events.add({
    removed: (userId) => disconnectUser(userId),
    signedOut: (userId, jti) => disconnectUser(userId, jti),
  });

  let cluster: ClusterPresence | undefined;
  let closingWebSockets: RawWebSocket[] = [];
  return {
    io,
    presenceSettled: () => presence.settled(),
    recover: () => deps.departures.recover(config.graceMs + config.restartSlackMs),
    startCluster: (opts) => {
      cluster = new ClusterPresence(io, deps, presence, opts);
      deps.rings.startSweeping(config.ringSweepMs);
      return cluster.start();
    },
    close: async () => {
      stopFollowingUsers();
      // Only this node's clients: with the Redis adapter, io.emit and io.disconnectSockets reach every node's.
      io.local.emit("server-shutdown", { message: "Server is restarting; reconnecting shortly" });
      cluster?.close();
      calls.close();
      stopSnapshotEvents();
      await new Promise<void>((resolve) => setTimeout(resolve, 50)); // let the notice flush
      closingWebSockets = webSocketsOf(io);
      // Ends each session as "server shutting down" (no disconnect packet): clients reconnect on their own,
      // and with the Redis adapter the sessions are saved for another node to resume.
      await io.close().catch(() => {});
      presence.close();
    },
    cutWebSockets: () => {
      const open = closingWebSockets.filter((ws) => ws.readyState !== WS_CLOSED);
      for (const ws of open) ws.terminate();
      return open.length;
    },
  };
}

/** The `ws` socket under an engine.io connection, as far as a shutdown needs it. */
interface RawWebSocket {
  readyState: number;
  terminate(): void;
}
const WS_CLOSED = 3;

/**
 * The WebSockets of engine.io's open connections (`clients` is its own table, typed protected). Taken
 * before io.close(): engine.io drops a connection from it as soon as it starts closing the WebSocket.
 */
function webSocketsOf(io: IoServer): RawWebSocket[] {
  const clients =
    (io.engine as unknown as { clients: Record<string, { transport: { socket?: RawWebSocket } }> })
      .clients;
  // Polling connections have no socket: their requests are HTTP connections, which the HTTP server cuts.
  return Object.values(clients).flatMap((c) => c.transport.socket?.terminate ? [c.transport.socket] : []);
}
