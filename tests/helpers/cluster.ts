/**
 * Several MobiMaint nodes as real processes on one real redis-server, with short grace, node and ring
 * timeouts; a node can be SIGKILLed. Plus what the node-loss tests read and do: a user's status, a
 * call's timeline entries, a call set up and accepted through two sockets, and a polling wait.
 */
import assert from "node:assert/strict";
import { acceptAsOldClient } from "./calls.ts";
import { type ServerProcess, startServerProcess } from "./process.ts";
import { startTestRedis, type TestRedis } from "./redis.ts";
import { api } from "./server.ts";
import { type Client, next, send, sleep } from "./sockets.ts";

export const GRACE_MS = 3_000;
export const NODE_TIMEOUT_MS = 1_500;
export const RING_TIMEOUT_MS = 4_000;
export const RING_SWEEP_MS = 250;

export interface Cluster {
  redis: TestRedis;
  nodes: ServerProcess[];
  add(): Promise<ServerProcess>;
  /** SIGKILL: the node dies at once, telling nobody. */
  kill(node: ServerProcess): Promise<void>;
  alive(): ServerProcess[];
  sockets: Client[];
  close(): Promise<void>;
}

export async function startCluster(size: number): Promise<Cluster> {
  const redis = await startTestRedis();
  const env = {
    MOBIMAINT_REDIS_URL: redis.url,
    MOBIMAINT_SECRET: "scale-kill-test-secret-the-same-on-every-node",
    MOBIMAINT_GRACE_MS: String(GRACE_MS),
    MOBIMAINT_NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
    MOBIMAINT_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS),
    MOBIMAINT_RING_SWEEP_MS: String(RING_SWEEP_MS),
  };
  const killed = new Set<ServerProcess>();
  const cluster: Cluster = {
    redis,
    nodes: [],
    sockets: [],
    add: async () => {
      const node = await startServerProcess(env);
      cluster.nodes.push(node);
      return node;
    },
    kill: async (node) => {
      killed.add(node);
      node.kill("SIGKILL");
      await node.exited;
    },
    alive: () => cluster.nodes.filter((n) => !killed.has(n)),
    close: async () => {
      for (const s of cluster.sockets) s.close();
      for (const n of cluster.nodes) {
        await n.stop();
        await Deno.remove(n.dataDir, { recursive: true }).catch(() => {});
      }
      await redis.close();
    },
  };
  try {
    // One after the other: the first seeds the demo users into the shared store.
    for (let i = 0; i < size; i++) await cluster.add();
  } catch (e) {
    await cluster.close();
    throw e;
  }
  return cluster;
}

export async function waitFor(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

export async function statusOf(url: string, adminToken: string, userId: string): Promise<string> {
  const r = await api(url, "GET", "/api/users/status", { token: adminToken });
  const u = r.body.users.find((x: { id: string }) => x.id === userId);
  return `${u.status}/${u.availability}`;
}

// deno-lint-ignore no-explicit-any
export const timelineOf = (call: any, type: string, userId?: string) =>
  call.timeline.filter((e: { type: string; userId?: string }) =>
    e.type === type && (userId === undefined || e.userId === userId)
  );

/** Creates a call as `tech`, rings `expert` through `techSocket`, accepts through `expertSocket`. */
export async function startCall(
  url: string,
  tech: { userId: string; token: string },
  techSocket: Client,
  expert: { userId: string },
  expertSocket: Client,
): Promise<string> {
  const callId = (await api(url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
  assert.ok(callId);
  const ring = next(expertSocket, "call-request", 5000);
  const rang = await send(techSocket, "call-request", { callId, from: tech.userId, to: expert.userId });
  assert.equal(rang.ok, true, JSON.stringify(rang));
  await ring;
  const accepted = next(techSocket, "call-response", 5000);
  const ack = await acceptAsOldClient(expertSocket, callId, expert.userId, tech.userId);
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.equal((await accepted).accepted, true);
  const join = await send(techSocket, "join-call", { callId, userId: tech.userId, role: "Technician" });
  assert.equal(join.ok, true, JSON.stringify(join));
  return callId;
}
