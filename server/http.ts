/**
 * One node:http server on one port: `/socket.io/` is Socket.IO's, every other
 * request goes to Hono through @hono/node-server's request listener.
 */
import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { Deps, Env } from "./context.ts";

export interface HttpServer {
  server: Server;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive sockets. */
  close(): Promise<void>;
}

export function createHttpServer(app: Hono<Env>, _deps: Deps): HttpServer {
  const server = createServer(getRequestListener(app.fetch));
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
