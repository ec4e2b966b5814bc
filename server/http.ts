/**
 * One node:http server on one port: Socket.IO takes `/socket.io/`, every
 * other request goes to Hono through @hono/node-server's request listener.
 */
import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { Deps, Env } from "./context.ts";
import { createSignaling, type Signaling } from "./signaling/io.ts";

export interface HttpServer {
  server: Server;
  signaling: Signaling;
  /** Stops accepting, tells and disconnects sockets, lets in-flight requests finish. */
  close(): Promise<void>;
}

export function createHttpServer(app: Hono<Env>, deps: Deps): HttpServer {
  const server = createServer(getRequestListener(app.fetch));
  const signaling = createSignaling(server, deps);
  deps.connections = signaling.connections;
  return {
    server,
    signaling,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await signaling.close();
      server.closeIdleConnections();
      await closed;
    },
  };
}
