import assert from "node:assert/strict";
import { api, login, loginAll, startTestServer } from "./helpers/server.ts";
import { collect, connect, next, send, sleep } from "./helpers/sockets.ts";

Deno.test("presence goes only to those who need it: Expert changes to Technicians and Admins", async () => {
  const server = await startTestServer();
  try {
    const { tech, expert, admin } = await loginAll(server.url);
    const otherExpert = await login(server.url, "user3", "p3");
    const techSocket = await connect(server.url, tech.token);
    const adminSocket = await connect(server.url, admin.token);
    const expertSocket = await connect(server.url, otherExpert.token);
    await sleep(150); // let the coalesced presence of these three go out first
    const seenByTech = collect<{ userId: string }>(techSocket, "user-status-change");
    const seenByExpert = collect<{ userId: string }>(expertSocket, "user-status-change");
    const adminSeesExpert = next(adminSocket, "user-status-change", 3000, (p) => p.userId === expert.userId);
    const e = await connect(server.url, expert.token);
    await adminSeesExpert;
    await sleep(150);
    assert.deepEqual(seenByTech.map((p) => p.userId), [expert.userId]);
    assert.equal(seenByExpert.length, 0, "Experts do not get other Experts' presence");

    // A Technician's status change reaches Admins only.
    await api(server.url, "POST", "/api/users", {
      token: admin.token,
      body: { username: "tech2", password: "pw", role: "Technician" },
    });
    const t2 = await login(server.url, "tech2", "pw");
    const techOnline = next(adminSocket, "user-status-change", 3000, (p) => p.userId === t2.userId);
    const back = await connect(server.url, t2.token);
    assert.equal((await techOnline).status, "online");
    await sleep(100);
    assert.ok(!seenByExpert.some((p) => p.userId === t2.userId));
    assert.ok(!seenByTech.some((p) => p.userId === t2.userId));
    const status = await api(server.url, "GET", "/api/users/status", { token: admin.token });
    assert.equal(status.body.onlineUsers, 5);
    techSocket.close();
    for (const s of [adminSocket, expertSocket, e, back]) s.close();
  } finally {
    await server.close();
  }
});

Deno.test("presence as asked: one user-status-changes per flush, none at all, or one event per change", async () => {
  const server = await startTestServer();
  try {
    const { tech, expert, admin } = await loginAll(server.url);
    const otherExpert = await login(server.url, "user3", "p3");
    const batchTech = await connect(server.url, tech.token, {
      auth: { token: tech.token, presence: "batch" },
    });
    const legacyTech = await connect(server.url, tech.token);
    const batchAdmin = await connect(server.url, admin.token, {
      auth: { token: admin.token, presence: "batch" },
    });
    const quietTech = await connect(server.url, tech.token, {
      auth: { token: tech.token, presence: "none" },
    });
    await sleep(400); // the technicians' and admin's own arrival goes out first
    type Change = { userId: string; status: string; availability: string };
    const batches = collect<{ changes: Change[] }>(batchTech, "user-status-changes");
    const singlesToBatchTech = collect<Change>(batchTech, "user-status-change");
    const singles = collect<Change>(legacyTech, "user-status-change");
    const adminBatches = collect<{ changes: Change[] }>(batchAdmin, "user-status-changes");
    const quietSingles = collect<Change>(quietTech, "user-status-change");
    const quietBatches = collect<{ changes: Change[] }>(quietTech, "user-status-changes");
    // Two Experts arriving together: one flush.
    const experts = await Promise.all([
      connect(server.url, expert.token),
      connect(server.url, otherExpert.token),
    ]);
    await sleep(500);
    const online = (userId: string) => ({ userId, status: "online", availability: "available" });
    const byUser = (a: Change, b: Change) => a.userId.localeCompare(b.userId);
    const expected = [online(expert.userId), online(otherExpert.userId)].sort(byUser);
    assert.equal(batches.length, 1, JSON.stringify(batches));
    assert.deepEqual([...batches[0].changes].sort(byUser), expected);
    assert.equal(singlesToBatchTech.length, 0, "a batch client gets no single events");
    assert.deepEqual([...singles].sort(byUser), expected);
    assert.equal(adminBatches.length, 1);
    assert.deepEqual([...adminBatches[0].changes].sort(byUser), expected);
    assert.equal(
      quietSingles.length + quietBatches.length,
      0,
      "a client that asked for no presence gets none",
    );
    for (const s of [batchTech, legacyTech, batchAdmin, quietTech, ...experts]) s.close();
  } finally {
    await server.close();
  }
});

Deno.test("presence changes are coalesced: a flapping user yields its latest state, not every flap", async () => {
  const server = await startTestServer();
  try {
    const { tech, expert } = await loginAll(server.url);
    const techSocket = await connect(server.url, tech.token);
    const seen = collect<{ userId: string; status: string }>(techSocket, "user-status-change");
    // Five tabs opening at once are one online change.
    const tabs = await Promise.all(Array.from({ length: 5 }, () => connect(server.url, expert.token)));
    await sleep(200);
    assert.deepEqual(seen, [{ userId: expert.userId, status: "online", availability: "available" }]);
    for (const t of tabs) t.close();
    techSocket.close();
  } finally {
    await server.close();
  }
});

Deno.test("a change undone within one presence window is not sent", async () => {
  const server = await startTestServer({ MOBIMAINT_PRESENCE_FLUSH_MS: "300" });
  try {
    const { tech, expert } = await loginAll(server.url);
    const techSocket = await connect(server.url, tech.token);
    const expertSocket = await connect(server.url, expert.token);
    await sleep(400);
    const seen = collect<{ userId: string; availability: string }>(techSocket, "user-status-change");
    // Busy while rung, available again after the cancel: all inside one window.
    const callId =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    await send(techSocket, "call-request", { callId, to: expert.userId });
    await send(techSocket, "call-cancel", { callId });
    await sleep(500);
    assert.equal(seen.length, 0, JSON.stringify(seen));
    // A change that lasts is sent.
    const second =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    await send(techSocket, "call-request", { callId: second, to: expert.userId });
    await sleep(500);
    assert.deepEqual(seen.map((s) => s.availability), ["busy"]);
    techSocket.close();
    expertSocket.close();
  } finally {
    await server.close();
  }
});
