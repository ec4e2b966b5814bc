/**
 * Two MobiMaint nodes sharing one real redis-server (store + Socket.IO Redis
 * Streams adapter): the technician is connected to node A, the expert to
 * node B.
 */
import assert from "node:assert/strict";
import { api, login, startTestServer, type TestServer } from "./helpers/server.ts";
import { startTestRedis } from "./helpers/redis.ts";
import { type Client, connect, next } from "./helpers/sockets.ts";

Deno.test("two nodes on one Redis: cross-node broadcasts, shared store, remote disconnect", async (t) => {
  const redis = await startTestRedis();
  const env = { MOBIMAINT_REDIS_URL: redis.url };
  const nodes: TestServer[] = [];
  const sockets: Client[] = [];
  try {
    nodes.push(await startTestServer(env), await startTestServer(env));
    const [a, b] = nodes;
    const tech = await login(a.url, "user1", "P");
    const expert = await login(b.url, "user2", "P");
    const techSocket = await connect(a.url, tech.token);
    sockets.push(techSocket);
    let expertSocket!: Client;
    let callId = "";

    await t.step("a presence broadcast from B reaches the technician on A", async () => {
      const status = next(techSocket, "user-status-change", 5000, (p) => p.userId === expert.userId);
      expertSocket = await connect(b.url, expert.token);
      sockets.push(expertSocket);
      assert.deepEqual(await status, { userId: expert.userId, status: "online", availability: "available" });
    });

    await t.step("a call created on A is served by B", async () => {
      callId = (await api(a.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      const detail = await api(b.url, "GET", `/api/calls/${callId}`, { token: tech.token });
      assert.equal(detail.status, 200);
      assert.equal(detail.body.createdBy, tech.userId);
    });

    await t.step("logout on A disconnects the same user's socket on B", async () => {
      const techOnB = await connect(b.url, tech.token);
      sockets.push(techOnB);
      const droppedOnB = next(techOnB, "disconnect", 5000);
      const droppedOnA = next(techSocket, "disconnect", 5000);
      techSocket.emit("logout", {});
      assert.equal(await droppedOnA, "io server disconnect");
      assert.equal(await droppedOnB, "io server disconnect");
    });
  } finally {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.close();
    await redis.close();
  }
});
