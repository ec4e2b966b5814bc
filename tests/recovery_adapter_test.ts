/**
 * The replay buffer of connection state recovery (server/signaling/recovery_adapter.ts) keeps what it
 * must and as little of it as it can.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import { RecoveryAdapter } from "../server/signaling/recovery_adapter.ts";

Deno.test("kept packets to one audience share one rooms/except pair; media negotiation is not kept", async () => {
  const io = new Server(createServer(), {
    connectionStateRecovery: { maxDisconnectionDuration: 2000 },
    adapter: RecoveryAdapter as unknown as ServerOptions["adapter"],
  });
  try {
    for (let i = 0; i < 3; i++) io.to("call:1").except("sid-a").emit("annotation", { id: `p${i}` });
    io.to("call:2").except("sid-b").emit("annotation", { id: "q" });
    io.to("call:1").except("sid-a").emit("offer", { sdp: "v=0" });
    const packets = (io.of("/").adapter as unknown as {
      packets: { data: string; opts: { rooms: Set<string>; except: Set<string> } }[];
    }).packets;
    assert.equal(packets.length, 4, "the offer is not kept");
    assert.ok(packets[0].opts === packets[1].opts && packets[1].opts === packets[2].opts);
    assert.notEqual(packets[3].opts, packets[0].opts);
    assert.deepEqual([...packets[3].opts.rooms, ...packets[3].opts.except], ["call:2", "sid-b"]);
    assert.equal(JSON.parse(packets[2].data)[1].id, "p2");
  } finally {
    await io.close();
  }
});
