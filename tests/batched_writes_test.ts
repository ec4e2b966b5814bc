/**
 * Packets queued for one client leave in one write (server/signaling/batched_writes.ts): a burst of
 * events to one socket over a real WebSocket arrives whole and in order, in a handful of writes on the
 * server's TCP socket rather than one per event.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { batchWebSocketWrites } from "../server/signaling/batched_writes.ts";
import { countTcpWrites } from "./helpers/sockets.ts";

Deno.test("a burst of events to one client arrives in order, in a few TCP writes", async () => {
  batchWebSocketWrites();
  const http = createServer();
  const server = new Server(http);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const port = (http.address() as AddressInfo).port;
  const client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
  try {
    const serverSide = await new Promise<import("socket.io").Socket>((r) => server.once("connection", r));
    await new Promise<void>((r) => client.connected ? r() : client.once("connect", () => r()));
    const writes = countTcpWrites(serverSide);
    const got: number[] = [];
    const all = new Promise<void>((r) =>
      client.on("n", (i: number) => {
        got.push(i);
        if (got.length === 200) r();
      })
    );
    for (let i = 0; i < 200; i++) serverSide.emit("n", i);
    await all;
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    // The first packet goes at once; the rest wait for that write and then leave together.
    assert.ok(writes() <= 5, `${writes()} writes for 200 events`);
  } finally {
    client.close();
    await server.close();
  }
});
