/**
 * Two nodes on one Redis racing on the same call: the store's optimistic
 * updates retry the losing change, and whatever the interleaving the record
 * stays consistent and exactly one side is told it made the change.
 */
import assert from "node:assert/strict";
import type { CallRecord } from "../lib/types.ts";
import { CallService } from "../server/domain/calls.ts";
import { Presence } from "../server/domain/presence.ts";
import { DEMO_USERS, UserService } from "../server/domain/users.ts";
import { RedisStore } from "../server/store/redis.ts";
import { startTestRedis } from "./helpers/redis.ts";
import { api, login, startTestServer, type TestServer } from "./helpers/server.ts";
import { type Client, collect, connect, next, send, sleep } from "./helpers/sockets.ts";

const ROUNDS = 10;

// deno-lint-ignore no-explicit-any
const entries = (call: any, type: string) => call.timeline.filter((e: { type: string }) => e.type === type);

Deno.test("domain: two nodes dropping the same participant at once: one leave wins", async () => {
  const redis = await startTestRedis();
  const stores = [await RedisStore.open(redis.url), await RedisStore.open(redis.url)];
  try {
    const [a, b] = stores.map((s) => new CallService(s, new Presence()));
    for (let round = 0; round < 20; round++) {
      const now = Date.now();
      const call: CallRecord = {
        callId: `leave-race-${round}`,
        createdBy: "tech",
        status: "active",
        createdAt: now,
        startTime: now,
        participants: [
          { userId: "tech", username: "tech", role: "Technician", present: true, joinedAt: now },
          { userId: "expert", username: "expert", role: "Expert", present: true, joinedAt: now },
        ],
        timeline: [{ at: now, type: "created", userId: "tech" }],
      };
      await stores[0].createCall(call);
      const results = await Promise.all([
        a.leave("expert", call.callId, "dropped"),
        b.leave("expert", call.callId, "dropped"),
        a.leave("expert", call.callId, "dropped"),
        b.leave("expert", call.callId, "dropped"),
      ]);
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: exactly one leave reports the change`);
      const stored = (await stores[1].getCall(call.callId))!;
      assert.equal(entries(stored, "dropped").length, 1);
      assert.equal(stored.status, "active");
    }
  } finally {
    for (const s of stores) await s.close();
    await redis.close();
  }
});

Deno.test("domain: nodes starting at once on one empty store seed it once; one prints the admin password", async () => {
  const redis = await startTestRedis();
  const stores = await Promise.all([1, 2, 3].map(() => RedisStore.open(redis.url)));
  try {
    const seeded = await Promise.all(
      stores.map((s) => new UserService(s).seed({ demo: true })),
    );
    const printed = seeded.map((r) => r.adminPassword).filter((p): p is string => !!p);
    assert.equal(printed.length, 1, "only the node whose admin was stored prints its password");
    const users = await stores[0].listUsers();
    assert.deepEqual(users.map((u) => u.username), ["admin", ...DEMO_USERS.map((u) => u.username)].sort());
    await new UserService(stores[1]).authenticate("admin", printed[0]); // throws unless it is the stored one
  } finally {
    for (const s of stores) await s.close();
    await redis.close();
  }
});

Deno.test("two nodes racing to accept and to end the same call leave one consistent record", async (t) => {
  const redis = await startTestRedis();
  const env = { MOBIMAINT_REDIS_URL: redis.url, MOBIMAINT_GRACE_MS: "500" };
  const nodes: TestServer[] = [];
  const sockets: Client[] = [];
  try {
    // Started together on the empty Redis: both seed it, neither fails.
    nodes.push(...await Promise.all([startTestServer(env), startTestServer(env)]));
    const [a, b] = nodes;
    const tech = await login(a.url, "user1", "P");
    const expert = await login(b.url, "user2", "P");
    const techOnA = await connect(a.url, tech.token);
    const expertOnA = await connect(a.url, expert.token);
    const expertOnB = await connect(b.url, expert.token);
    sockets.push(techOnA, expertOnA, expertOnB);
    const deadline = Date.now() + 3_000;
    while (
      (await api(a.url, "GET", "/api/experts", { token: tech.token })).body.experts
        .find((e: { id: string }) => e.id === expert.userId).status !== "online"
    ) {
      assert.ok(Date.now() < deadline, "node A sees the expert");
      await sleep(25);
    }

    const ringAndRace = async () => {
      const callId =
        (await api(a.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
      const rings = [next(expertOnA, "call-request", 5000), next(expertOnB, "call-request", 5000)];
      const rang = await send(techOnA, "call-request", { callId, from: tech.userId, to: expert.userId });
      assert.equal(rang.ok, true, JSON.stringify(rang));
      await Promise.all(rings);
      const responses = collect(techOnA, "call-response");
      const answer = { callId, from: expert.userId, to: tech.userId, accepted: true };
      const acks = await Promise.all([
        send(expertOnA, "call-response", answer),
        send(expertOnB, "call-response", answer),
      ]);
      return { callId, acks, responses };
    };

    await t.step("the expert accepts on A and on B at the same moment: one wins, one CONFLICT", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { callId, acks, responses } = await ringAndRace();
        const ok = acks.filter((x) => x.ok);
        const refused = acks.filter((x) => !x.ok);
        assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(acks)}`);
        assert.equal(refused.length, 1);
        assert.equal(refused[0].error.code, "CONFLICT");
        const call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
        assert.equal(call.status, "active");
        assert.equal(entries(call, "accepted").length, 1);
        assert.deepEqual(call.participants.map((p: { userId: string }) => p.userId), [
          tech.userId,
          expert.userId,
        ]);
        await sleep(100);
        assert.equal(responses.length, 1, "the technician is told once");
        assert.equal(
          (await api(a.url, "POST", `/api/calls/${callId}/end`, { token: tech.token })).status,
          200,
        );
      }
    });

    await t.step("end-call on A and POST /api/calls/:id/end on B at once: one ended entry", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { callId } = await ringAndRace();
        assert.equal(
          (await send(techOnA, "join-call", { callId, userId: tech.userId, role: "Technician" })).ok,
          true,
        );
        const [left, ended] = await Promise.all([
          send(techOnA, "end-call", { callId }),
          api(b.url, "POST", `/api/calls/${callId}/end`, { token: expert.token, body: {} }),
        ]);
        assert.equal(left.ok, true, JSON.stringify(left));
        assert.equal(ended.status, 200, JSON.stringify(ended.body));
        const call = (await api(a.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body;
        assert.equal(call.status, "ended");
        assert.equal(entries(call, "ended").length, 1, JSON.stringify(call.timeline));
        assert.equal(call.endReason, "ended");
        assert.ok(call.endedAt >= call.startTime);
        assert.deepEqual(call.participants.map((p: { present: boolean }) => p.present), [false, false]);
        assert.ok(call.participants.every((p: { leftAt?: number }) => p.leftAt), "everyone has left");
      }
    });

    await t.step("both participants end it over REST on A and B at once: one 200, one 409", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { callId } = await ringAndRace();
        const results = await Promise.all([
          api(a.url, "POST", `/api/calls/${callId}/end`, { token: tech.token, body: {} }),
          api(b.url, "POST", `/api/calls/${callId}/end`, { token: expert.token, body: {} }),
        ]);
        assert.deepEqual(
          results.map((r) => r.status).sort(),
          [200, 409],
          JSON.stringify(results.map((r) => r.body)),
        );
        const call = (await api(b.url, "GET", `/api/calls/${callId}`, { token: expert.token })).body;
        assert.equal(entries(call, "ended").length, 1);
        assert.equal(call.status, "ended");
      }
    });
  } finally {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.close();
    await redis.close();
  }
});
