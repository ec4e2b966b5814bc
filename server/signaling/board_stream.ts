/**
 * The board stream: a call page's second, receive-only Socket.IO connection (namespace `/board`) that
 * gets a copy of each new annotation and chat message of its calls. On a lossy link a TCP connection
 * holds everything behind a lost segment until it is sent again: 600 ms and more at a 300 ms round trip.
 * A second connection loses other segments, so a copy waits only when both lose one at once; the page
 * keeps whichever comes first (CallBoard). The signaling socket stays the record.
 *
 * Identity comes from the token, as on the signaling socket. A board socket is only in its own user's
 * room, and a copy goes to the users the domain names (the call's other participants), so it never
 * reaches anyone else. It takes no events, and is never resumed after a drop: a resumed session skips
 * the token check, and the copies it missed are on the signaling socket anyway.
 */
import type { Namespace } from "socket.io";
import { Adapter } from "socket.io-adapter";
import { BOARD_NAMESPACE, type BoardEvent } from "../../lib/board_namespace.ts";
import type { BoardStreamEvents } from "../../lib/protocol.ts";
import { AppError } from "../domain/errors.ts";
import type { TokenService } from "../auth/tokens.ts";
import { authenticate } from "./auth.ts";
import { onEachAdapter } from "./each_adapter.ts";
import { fail } from "./handler.ts";
import { RecoveryAdapter } from "./recovery_adapter.ts";
import { rooms } from "./rooms.ts";
import type { IoServer, SocketData } from "./types.ts";

// deno-lint-ignore ban-types
type NoEvents = {};
type BoardNamespace = Namespace<NoEvents, BoardStreamEvents, NoEvents, SocketData>;

export class BoardStream {
  private readonly nsp: BoardNamespace;

  constructor(io: IoServer, tokens: TokenService) {
    this.nsp = io.of(BOARD_NAMESPACE) as unknown as BoardNamespace;
    onEachAdapter(io, neverResume, BOARD_NAMESPACE);
    this.nsp.use(authenticate(tokens));
    this.nsp.on("connection", (socket) => {
      socket.join(rooms.user(socket.data.identity.userId));
      // Anything sent here is a mistake (or a probe): say so once and close, so it costs nothing to repeat.
      socket.onAny((event: string, ...args: unknown[]) => {
        const refused = new AppError("BAD_REQUEST", "The board stream only sends; use the signaling socket");
        fail(socket, event, refused, args.findLast((a) => typeof a === "function"));
        setTimeout(() => socket.disconnect(true), 0);
      });
    });
  }

  /** A copy of a new annotation or chat message, to the recipients the domain named. */
  copy<E extends BoardEvent>(
    event: E,
    payload: Parameters<BoardStreamEvents[E]>[0],
    recipients: string[],
  ): void {
    const to = this.reachable(recipients);
    if (to.length) this.nsp.to(to).emit(event, ...([payload] as Parameters<BoardStreamEvents[E]>));
  }

  /**
   * The recipients' rooms. On one node, only those with a board socket: old clients open none, and a
   * broadcast to nobody still encodes its packet. Several nodes cannot know, so every room is tried.
   */
  private reachable(recipients: string[]): string[] {
    const all = recipients.map(rooms.user);
    const adapter = this.nsp.adapter;
    return adapter instanceof RecoveryAdapter ? all.filter((room) => adapter.rooms.has(room)) : all;
  }

  /** Closes the user's board sockets on every node; with `jti`, only those of that sign-in. */
  async disconnect(userId: string, jti?: string): Promise<void> {
    if (!jti) return void this.nsp.in(rooms.user(userId)).disconnectSockets(true);
    for (const s of await this.nsp.in(rooms.user(userId)).fetchSockets()) {
      if (s.data.identity?.jti === jti) s.disconnect(true);
    }
  }
}

interface SessionAdapter {
  persistSession(session: unknown): unknown;
  restoreSession(pid: string, offset: string): Promise<unknown>;
  broadcast(...args: Parameters<Adapter["broadcast"]>): void;
}

function neverResume(adapter: SessionAdapter): void {
  adapter.persistSession = () => {};
  adapter.restoreSession = () => Promise.resolve(null);
  // Nothing is replayed, so nothing is kept: on one node the adapter keeps each broadcast for replay.
  if (adapter instanceof RecoveryAdapter) {
    adapter.broadcast = (...args) => Adapter.prototype.broadcast.apply(adapter, args);
  }
}
