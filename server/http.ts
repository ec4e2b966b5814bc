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
      await signaling.close();
      server.closeIdleConnections();
      // In-flight requests get a few seconds to finish; then whatever is left is cut so the process can exit.
      const cut = setTimeout(() => server.closeAllConnections(), 3000);
      await closed;
      clearTimeout(cut);
    },
  };
}
