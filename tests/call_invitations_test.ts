/**
 * A call holds its participants and its invitations (issue #19): every ring is recorded with its
 * outcome, relays and negotiation roles follow the call's members rather than a Technician/Expert pair,
 * and a ring stored by the previous version (`ringing: {to, since}`) goes on as an invitation after the
 * upgrade.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CallRecord, Invitation, Participant } from "../lib/types.ts";
import { opensNegotiation } from "../lib/negotiation.ts";
import { mayRelay } from "../server/domain/call_rules.ts";
import { KvStore } from "../server/store/kv.ts";
import { connectPair } from "./helpers/calls.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { ADMIN_PASSWORD, api, login, startTestServer } from "./helpers/server.ts";
import { next, send } from "./helpers/sockets.ts";

const person = (userId: string, role: Participant["role"]): Participant => ({
  userId,
  username: userId,
  role,
  present: true,
});
const ring = (userId: string, state: Invitation["state"] = "ringing"): Invitation => ({
  userId,
  role: "Expert",
  since: 1,
  state,
});
const record = (status: CallRecord["status"], participants: Participant[], invitations: Invitation[]) => ({
  callId: "call_x",
  createdBy: "tech",
  status,
  createdAt: 0,
  participants,
  invitations,
  timeline: [],
} satisfies CallRecord);

Deno.test("relays follow the call's members: participants and users being rung, one side a participant", () => {
  const tech = person("tech", "Technician");
  const expert = person("expert", "Expert");
  const pendingRinging = record("pending", [tech], [ring("expert")]);
  assert.equal(mayRelay(pendingRinging, "tech", "expert"), true, "the caller warms up with the rung Expert");
  assert.equal(mayRelay(pendingRinging, "expert", "tech"), true);
  assert.equal(mayRelay(pendingRinging, "tech", "stranger"), false);
  assert.equal(mayRelay(record("pending", [tech], [ring("expert", "rejected")]), "tech", "expert"), false);
  assert.equal(mayRelay(record("pending", [tech], []), "tech", "expert"), false, "nobody rung yet");

  const active = record("active", [tech, expert], [ring("expert", "accepted")]);
  assert.equal(mayRelay(active, "expert", "tech"), true);
  assert.equal(mayRelay(active, "tech", "tech"), false, "not to oneself");
  assert.equal(mayRelay(active, "stranger", "tech"), false);
  assert.equal(mayRelay(record("ended", [tech, expert], []), "tech", "expert"), false);

  // A second Expert rung into a running call (the model allows it; the UI rings one for now): it may
  // negotiate with each participant, but two users who are only being rung may not talk to each other.
  const widening = record("active", [tech, expert], [
    ring("expert", "accepted"),
    ring("second"),
    ring("third"),
  ]);
  assert.equal(mayRelay(widening, "second", "tech"), true);
  assert.equal(mayRelay(widening, "expert", "second"), true);
  assert.equal(mayRelay(widening, "second", "third"), false);
});

Deno.test("every ring is an invitation with its outcome: rejected, accepted, timed out, cancelled", async () => {
  const clock = new FakeClock();
  const server = await startTestServer({}, undefined, { clock });
  const { tech, techSocket, expertSocket } = await connectPair(server.url);
  const create = async () =>
    (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body
      .callId as string;
  const invitations = async (callId: string) =>
    (await api(server.url, "GET", `/api/calls/${callId}`, { token: tech.token })).body
      .invitations as Invitation[];
  const rang = async (callId: string) => {
    const rung = next(expertSocket, "call-request", 3000, (p) => p.callId === callId);
    const ack = await send(techSocket, "call-request", { callId, to: "user2" });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    await rung;
  };
  try {
    const declined = await create();
    assert.deepEqual(await invitations(declined), [], "a new call has rung nobody");
    await rang(declined);
    const [ringing] = await invitations(declined);
    assert.equal(ringing.userId, "user2");
    assert.equal(ringing.role, "Expert");
    assert.equal(ringing.state, "ringing");
    assert.equal(ringing.endedAt, undefined);
    assert.equal((await send(expertSocket, "call-response", { callId: declined, accepted: false })).ok, true);
    const [rejected] = await invitations(declined);
    assert.equal(rejected.state, "rejected");
    assert.ok(rejected.endedAt! >= rejected.since);

    const accepted = await create();
    await rang(accepted);
    assert.equal((await send(expertSocket, "call-response", { callId: accepted, accepted: true })).ok, true);
    assert.deepEqual((await invitations(accepted)).map((i) => i.state), ["accepted"]);
    const ended = await api(server.url, "POST", `/api/calls/${accepted}/end`, { token: tech.token });
    assert.equal(ended.status, 200);

    const unanswered = await create();
    await rang(unanswered);
    await clock.advance(30_000); // the default ring timeout
    assert.deepEqual((await invitations(unanswered)).map((i) => i.state), ["timeout"]);

    const cancelled = await create();
    await rang(cancelled);
    assert.equal((await send(techSocket, "call-cancel", { callId: cancelled })).ok, true);
    assert.deepEqual((await invitations(cancelled)).map((i) => i.state), ["cancelled"]);
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});

Deno.test("a ring stored by the previous version goes on as an invitation after the upgrade, and times out", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-rings-" });
  const first = await startTestServer({}, dataDir);
  await first.close(); // the demo users exist; now a ring as the previous version left it at its stop
  const old = await KvStore.open(join(dataDir, "mobimaint.kv"));
  const clock = new FakeClock();
  const since = clock.now() - 10_000; // rung 10 s before the stop: 20 s of the 30 s ring are left
  await old.createCall({
    callId: "call_legacy_ring",
    createdBy: "user1",
    status: "pending",
    createdAt: since - 100,
    ringing: { to: "user2", since },
    participants: [person("user1", "Technician")].map((p) => ({ ...p, present: false })),
    timeline: [{ at: since - 100, type: "created", userId: "user1" }, {
      at: since,
      type: "ringing",
      userId: "user2",
    }],
  } as CallRecord);
  await old.close();

  const server = await startTestServer({}, dataDir, { clock });
  try {
    const admin = (await login(server.url, "admin", ADMIN_PASSWORD)).token;
    const detail = async () =>
      (await api(server.url, "GET", "/api/calls/call_legacy_ring", { token: admin })).body;
    const upgraded = await detail();
    assert.equal(upgraded.status, "pending");
    assert.equal("ringing" in upgraded, false, "the old field is gone");
    assert.deepEqual(upgraded.invitations, [{ userId: "user2", role: "Expert", since, state: "ringing" }]);
    // The ring resumed with the time it had left: it ends as the previous version's would have.
    await clock.advance(19_999);
    assert.equal((await detail()).status, "pending");
    await clock.advance(1);
    const ended = await detail();
    assert.equal(ended.endReason, "timeout");
    assert.equal(ended.invitations[0].state, "timeout");
  } finally {
    await server.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("negotiation roles come from the participant list: the call page hands the room its members in order", async () => {
  assert.equal(opensNegotiation(["user1"], "user1"), true, "the caller, while it rings");
  assert.equal(opensNegotiation(["user1"], "user2"), false, "the rung Expert answers");
  assert.equal(opensNegotiation(["user1", "user2"], "user2"), false);
  assert.equal(opensNegotiation([], "user1"), false);

  const server = await startTestServer();
  const { expert, techSocket, expertSocket } = await connectPair(server.url);
  try {
    const tech = await login(server.url, "user1", "P");
    const callId =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const rung = next(expertSocket, "call-request", 3000, (p) => p.callId === callId);
    assert.equal((await send(techSocket, "call-request", { callId, to: "user2" })).ok, true);
    await rung;
    assert.equal((await send(expertSocket, "call-response", { callId, accepted: true })).ok, true);
    // The Expert reloads: its page is served with the members, creator first, from the call record.
    const page = await fetch(`${server.url}/call/${callId}`, {
      headers: { cookie: `mobimaint_session=${expert.token}` },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /"members":\["user1","user2"\]/);
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
