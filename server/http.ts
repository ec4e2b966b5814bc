/**
 * One node:http server (node:https when TLS is configured) on one port: Socket.IO takes
 * `/socket.io/`, every other request goes to Hono through @hono/node-server's request listener.
 */
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { Deps, Env } from "./context.ts";
import { createSignaling, type Signaling } from "./signaling/io.ts";
import { reloadTls, type TlsMaterial } from "./tls/certificate.ts";

export interface HttpServer {
  server: Server;
  signaling: Signaling;
  /** Re-reads the TLS files into the running server (false when not serving TLS or they are bad). */
  reloadTls(): Promise<boolean>;
  /** Stops accepting, tells and disconnects sockets, lets in-flight requests finish. */
  close(): Promise<void>;
}

/** How long a shutdown waits for requests and WebSocket closing handshakes before it cuts connections. */
const SHUTDOWN_DRAIN_MS = 3000;

export function createHttpServer(app: Hono<Env>, deps: Deps, tls?: TlsMaterial): HttpServer {
  const listener = getRequestListener(app.fetch);
  const https = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : undefined;
  const server: Server = https ?? createServer(listener);
  const signaling = createSignaling(server, deps);
  return {
    server,
    signaling,
    reloadTls: async () =>
      https && deps.config.tls ? await reloadTls(https, deps.config.tls, deps.log) : false,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // In-flight requests get a few seconds to finish; then whatever is left is cut so the process can exit.
      // closeAllConnections() leaves upgraded sockets alone, and a WebSocket whose peer never answers the
      // closing handshake would hold the server (and io.close(), which waits for it) for 30 s: those are cut
      // too. (Tracking every connection for this cost ~1 KiB per connected client in the bench.)
      const cut = setTimeout(() => {
        server.closeAllConnections();
        const webSockets = signaling.cutWebSockets();
        if (webSockets) {
          deps.log.warn({ event: "shutdown-cut", webSockets }, "WebSockets cut at shutdown");
        }
      }, SHUTDOWN_DRAIN_MS);
      await signaling.close();
      server.closeIdleConnections();
      await closed;
      clearTimeout(cut);
    },
  };
}
