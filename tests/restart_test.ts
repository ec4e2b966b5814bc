import assert from "node:assert/strict";
import { FakeClock } from "./helpers/fake_clock.ts";
import { startActiveCall } from "./helpers/calls.ts";
import { api, loginAll, startTestServer } from "./helpers/server.ts";
import { connect, next, send } from "./helpers/sockets.ts";

async function callWithContent(env: Record<string, string> = {}) {
  const server = await startTestServer(env);
  const users = await loginAll(server.url);
  const tech = await connect(server.url, users.tech.token);
  const expert = await connect(server.url, users.expert.token);
  const callId = await startActiveCall(server.url, users.tech.token, tech, expert, users.expert.userId);
  assert.equal(
    (await send(expert, "annotation", { callId, id: "a1", text: "bolt", x: 0.3, y: 0.4 })).ok,
    true,
  );
  assert.equal((await send(tech, "chat", { callId, id: "m1", text: "seen it" })).ok, true);
  return { server, users, tech, expert, callId };
}

Deno.test("restart during an active call: clients are told, everything is kept, the call resumes", async () => {
  const { server, users, tech, expert, callId } = await callWithContent();
  const dir = server.dataDir;
  const toldTech = next(tech, "server-shutdown");
  const toldExpert = next(expert, "server-shutdown");
  await server.close();
  await Promise.all([toldTech, toldExpert]);
  tech.close();
  expert.close();

  const again = await startTestServer({}, dir);
  try {
    // The old tokens still work: the signing secret was kept in the store.
    const tech2 = await connect(again.url, users.tech.token);
    const expert2 = await connect(again.url, users.expert.token);
    const anns = next(tech2, "existing-annotations");
    const chat = next(tech2, "existing-chat");
    await send(expert2, "join-call", { callId });
    assert.equal((await send(tech2, "join-call", { callId })).ok, true);
    assert.deepEqual((await anns).annotations.map((a: { id: string }) => a.id), ["a1"]);
    assert.deepEqual((await chat).messages.map((m: { text: string }) => m.text), ["seen it"]);
    const offer = next(expert2, "offer");
    await send(tech2, "offer", { callId, to: users.expert.userId, offer: { type: "offer", sdp: "v=0" } });
    assert.equal((await offer).from, users.tech.userId);
    const users2 = await api(again.url, "GET", "/api/users/status", { token: users.admin.token });
    assert.equal(users2.body.totalUsers, 7);
    tech2.close();
    expert2.close();
  } finally {
    await again.close();
  }
});

Deno.test("after a restart, a call whose participants never come back is ended", async () => {
  const { server, users, tech, expert, callId } = await callWithContent();
  const dir = server.dataDir;
  await server.close();
  tech.close();
  expert.close();
  const clock = new FakeClock();
  const again = await startTestServer(
    { MOBIMAINT_GRACE_MS: "2000", MOBIMAINT_RESTART_SLACK_MS: "3000" },
    dir,
    {
      clock,
    },
  );
  try {
    await clock.advance(4999);
    const open = await api(again.url, "GET", `/api/calls/${callId}`, { token: users.admin.token });
    assert.equal(open.body.status, "active", "kept open for those who come back within grace + slack");
    await clock.advance(1);
    const call = await api(again.url, "GET", `/api/calls/${callId}`, { token: users.admin.token });
    assert.equal(call.body.status, "ended");
    assert.equal(call.body.endReason, "completed");
    assert.equal(call.body.annotations.length, 1, "its annotations stay in history");
  } finally {
    await again.close();
  }
});
