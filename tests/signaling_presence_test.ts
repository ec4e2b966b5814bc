import assert from "node:assert/strict";
import { rooms } from "../server/signaling/rooms.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { api, login, loginAll, startTestServer, type TestServer } from "./helpers/server.ts";
import {
  type Client,
  collect,
  connect,
  countTcpWrites,
  dropAndHold,
  next,
  reconnectingClient,
  send,
  sleep,
} from "./helpers/sockets.ts";

/** Presence runs on test time: changes wait for `flush`, which sends them and lets them reach `sockets`. */
async function presenceClock(env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const server = await startTestServer(env, undefined, { clock });
  const flush = async (...sockets: Client[]) => {
    await clock.advance(1000); // past the flush window (and its spacing after a slow flush)
    await server.signaling.presenceSettled();
    // A ping answered after the flush: everything sent to these sockets before it has arrived.
    await Promise.all(sockets.map((s) => send(s, "ping")));
  };
  return { clock, server, flush };
}

async function closeAll(server: TestServer, sockets: Client[]) {
  for (const s of sockets) s.close();
  await server.close();
}

/** A Technician and an Expert connected, their own presence already sent. */
async function techAndExpertOnline(env: Record<string, string>) {
  const { server, clock, flush } = await presenceClock(env);
  const { tech, expert } = await loginAll(server.url);
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  await flush(techSocket);
  return { server, clock, flush, tech, expert, techSocket, expertSocket };
}

Deno.test("presence goes only to those who need it: Expert changes to Technicians and Admins", async () => {
  const { server, flush } = await presenceClock();
  const sockets: Client[] = [];
  try {
    const { tech, expert, admin } = await loginAll(server.url);
    const otherExpert = await login(server.url, "user3", "p3");
    const techSocket = await connect(server.url, tech.token);
    const adminSocket = await connect(server.url, admin.token);
    const expertSocket = await connect(server.url, otherExpert.token);
    sockets.push(techSocket, adminSocket, expertSocket);
    await flush(techSocket, adminSocket, expertSocket); // the presence of these three goes out first
    const seenByTech = collect(techSocket, "user-status-change");
    const seenByExpert = collect(expertSocket, "user-status-change");
    const adminSeesExpert = next(adminSocket, "user-status-change", 3000, (p) => p.userId === expert.userId);
    const e = await connect(server.url, expert.token);
    sockets.push(e);
    await flush(techSocket, expertSocket);
    await adminSeesExpert;
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
    sockets.push(back);
    await flush(techSocket, expertSocket);
    assert.equal((await techOnline).status, "online");
    assert.ok(!seenByExpert.some((p) => p.userId === t2.userId));
    assert.ok(!seenByTech.some((p) => p.userId === t2.userId));
    const status = await api(server.url, "GET", "/api/users/status", { token: admin.token });
    assert.equal(status.body.onlineUsers, 5);
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("presence as asked: one user-status-changes per flush, none at all, or one event per change", async () => {
  const { server, flush } = await presenceClock();
  const sockets: Client[] = [];
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
    sockets.push(batchTech, legacyTech, batchAdmin, quietTech);
    await flush(...sockets); // the technicians' and admin's own arrival goes out first
    type Change = { userId: string; status: string; availability: string };
    const batches = collect(batchTech, "user-status-changes");
    const singlesToBatchTech = collect(batchTech, "user-status-change");
    const singles = collect(legacyTech, "user-status-change");
    const adminBatches = collect(batchAdmin, "user-status-changes");
    const quietSingles = collect(quietTech, "user-status-change");
    const quietBatches = collect(quietTech, "user-status-changes");
    // Two Experts arriving together: one flush.
    const experts = await Promise.all([
      connect(server.url, expert.token),
      connect(server.url, otherExpert.token),
    ]);
    await flush(batchTech, legacyTech, batchAdmin, quietTech);
    sockets.push(...experts);
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
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("presence changes are coalesced: a flapping user yields its latest state, not every flap", async () => {
  const { server, flush } = await presenceClock();
  const sockets: Client[] = [];
  try {
    const { tech, expert } = await loginAll(server.url);
    const techSocket = await connect(server.url, tech.token);
    sockets.push(techSocket);
    const seen = collect(techSocket, "user-status-change");
    // Five tabs opening at once are one online change.
    const tabs = await Promise.all(Array.from({ length: 5 }, () => connect(server.url, expert.token)));
    sockets.push(...tabs);
    await flush(techSocket);
    assert.deepEqual(seen, [{ userId: expert.userId, status: "online", availability: "available" }]);
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("a change undone within one presence window is not sent", async () => {
  const { server, flush, tech, expert, techSocket, expertSocket } = await techAndExpertOnline({
    MOBIMAINT_PRESENCE_FLUSH_MS: "300",
  });
  const sockets = [techSocket, expertSocket];
  try {
    const seen = collect(techSocket, "user-status-change");
    // Busy while rung, available again after the cancel: all inside one window.
    const callId =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    await send(techSocket, "call-request", { callId, to: expert.userId });
    await send(techSocket, "call-cancel", { callId });
    await flush(techSocket);
    assert.equal(seen.length, 0, JSON.stringify(seen));
    // A change that lasts is sent.
    const second =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    await send(techSocket, "call-request", { callId: second, to: expert.userId });
    await flush(techSocket);
    assert.deepEqual(seen.map((s) => s.availability), ["busy"]);
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("an Expert's own pages get its availability: busy on one device shows on the other, and free again", async () => {
  const { server, flush } = await presenceClock();
  const sockets: Client[] = [];
  try {
    const { expert } = await loginAll(server.url);
    const phone = await connect(server.url, expert.token);
    const desk = await connect(server.url, expert.token);
    sockets.push(phone, desk);
    await flush(phone, desk);
    const seen = collect(desk, "user-status-changes");
    assert.equal((await send(phone, "set-availability", { doNotDisturb: true })).ok, true);
    await flush(desk);
    assert.equal((await send(phone, "set-availability", { doNotDisturb: false })).ok, true);
    await flush(desk);
    assert.deepEqual(
      seen.flatMap((p) => p.changes).map((c) => [c.userId, c.availability]),
      [[expert.userId, "busy"], [expert.userId, "available"]],
    );
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("a flush held up by other work does not delay the next one: spacing counts its writing time only", async () => {
  const { server, clock, flush, tech, techSocket, expertSocket } = await techAndExpertOnline({
    MOBIMAINT_PRESENCE_FLUSH_MS: "50",
  });
  const sockets = [techSocket, expertSocket];
  try {
    // While the next flush writes to the Technician, other work takes the machine for 600 ms: the write
    // runs for 3 ms (so the flush gives the next turn away) and a 600 ms task is first in line.
    const onServer = [...server.signaling.io.of("/").sockets.values()].find((s) =>
      s.data.identity.userId === tech.userId
    )!;
    let loaded = false;
    onServer.onAnyOutgoing((event) => {
      if (event !== "user-status-change" || loaded) return;
      loaded = true;
      busyFor(3);
      setTimeout(() => busyFor(600), 0);
    });
    const seen = collect(techSocket, "user-status-change");
    assert.equal((await send(expertSocket, "set-availability", { doNotDisturb: true })).ok, true);
    await flush(techSocket);
    assert.ok(loaded, "the flush was held up");
    assert.deepEqual(seen.map((c) => c.availability), ["busy"]);

    // The next change goes out after the window (50 ms; the test waits 400 ms of test time, room for a slow
    // machine), not three times the 600 ms the last flush lasted.
    assert.equal((await send(expertSocket, "set-availability", { doNotDisturb: false })).ok, true);
    await clock.advance(400);
    await server.signaling.presenceSettled();
    await send(techSocket, "ping");
    assert.deepEqual(seen.map((c) => c.availability), ["busy", "available"]);
  } finally {
    await closeAll(server, sockets);
  }
});

/** Creates Experts through the API (password "pw") and logs each in. */
async function newExperts(url: string, adminToken: string, usernames: string[]) {
  const experts = [];
  for (const username of usernames) {
    const made = await api(url, "POST", "/api/users", {
      token: adminToken,
      body: { username, password: "pw", role: "Expert" },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    experts.push(await login(url, username, "pw"));
  }
  return experts;
}

function busyFor(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the machine is busy elsewhere */ }
}

Deno.test("old clients get a flush's changes as one event each, in order: a WebSocket in one write, polling and a resumed session too", async () => {
  const { server, clock, flush } = await presenceClock();
  const sockets: Client[] = [];
  try {
    const { tech, admin } = await loginAll(server.url);
    const experts = await newExperts(server.url, admin.token, [
      "shift0",
      "shift1",
      "shift2",
      "shift3",
      "shift4",
      "shift5",
    ]);
    const wsTech = await connect(server.url, tech.token);
    const pollingTech = await connect(server.url, tech.token, { transports: ["polling"] });
    const adminSocket = await connect(server.url, admin.token);
    const resumingTech = reconnectingClient(server.url, tech.token, 50);
    await next(resumingTech, "connect", 10_000);
    sockets.push(wsTech, pollingTech, adminSocket, resumingTech);
    await flush(wsTech, pollingTech, adminSocket, resumingTech);

    const wsSeen = collect(wsTech, "user-status-change");
    const pollingSeen = collect(pollingTech, "user-status-change");
    const adminSeen = collect(adminSocket, "user-status-change");
    const resumedSeen = collect(resumingTech, "user-status-change");
    const writes = countTcpWrites(server.signaling.io.of("/").sockets.get(wsTech.id!)!);
    // Four Experts in one flush.
    for (const e of experts.slice(0, 4)) sockets.push(await connect(server.url, e.token));
    await clock.advance(1000);
    await server.signaling.presenceSettled();
    assert.equal(writes(), 1, "the four events left in one write");
    await flush(wsTech, pollingTech, adminSocket);
    const first = experts.slice(0, 4).map((e) => e.userId);
    for (const seen of [wsSeen, pollingSeen, adminSeen, resumedSeen]) {
      assert.deepEqual(seen.map((c) => [c.userId, c.status]).sort(), first.map((u) => [u, "online"]).sort());
    }
    // The order of the four is the order of the flush, for every client.
    assert.deepEqual(pollingSeen.map((c) => c.userId), wsSeen.map((c) => c.userId));

    // Two more while a Technician's network is down: it gets them when its session resumes.
    const resume = dropAndHold(resumingTech);
    await sleep(20);
    for (const e of experts.slice(4)) sockets.push(await connect(server.url, e.token));
    await flush(wsTech);
    await resume();
    assert.equal(resumingTech.recovered, true, "the session was resumed");
    await send(resumingTech, "ping");
    const later = experts.slice(4).map((e) => e.userId);
    assert.deepEqual(wsSeen.slice(4).map((c) => c.userId).sort(), [...later].sort());
    assert.deepEqual(resumedSeen.map((c) => c.userId), wsSeen.map((c) => c.userId));
  } finally {
    await closeAll(server, sockets);
  }
});

Deno.test("a session resumed after a flush that gave its turn away gets neither a repeat nor a gap", async () => {
  const { server, clock, flush } = await presenceClock();
  const clients: Client[] = [];
  try {
    const { tech, admin } = await loginAll(server.url);
    const experts = await newExperts(server.url, admin.token, ["night1", "night2"]);
    for (let i = 0; i < 6; i++) clients.push(reconnectingClient(server.url, tech.token, 50));
    await Promise.all(clients.map((c) => next(c, "connect", 10_000)));
    await flush(...clients);
    const seen = clients.map((c) => collect(c, "user-status-change"));
    // deno-lint-ignore no-explicit-any
    const markers = clients.map((c) => collect(c, "marker" as any));
    // The flush's first write holds the turn for 3 ms, so the flush gives the next turn away; a broadcast to
    // every Technician socket (kept for replay like any other) goes out in that turn.
    const io = server.signaling.io;
    let held = false;
    for (const s of io.of("/").sockets.values()) {
      s.onAnyOutgoing((event) => {
        if (event !== "user-status-change" || held) return;
        held = true;
        busyFor(3);
        // deno-lint-ignore no-explicit-any
        setTimeout(() => (io.to(rooms.user(tech.userId)) as any).emit("marker", { n: 1 }), 0);
      });
    }
    for (const e of experts) clients.push(await connect(server.url, e.token));
    await clock.advance(1000);
    await server.signaling.presenceSettled();
    await Promise.all(clients.map((c) => send(c, "ping")));
    assert.ok(held, "the flush gave its turn away");

    // Every Technician's network drops, and each session resumes.
    const technicians = clients.slice(0, 6);
    const resumes = technicians.map(dropAndHold);
    await sleep(20);
    await Promise.all(resumes.map((resume) => resume()));
    await Promise.all(technicians.map((c) => send(c, "ping")));
    for (const [i, c] of technicians.entries()) {
      assert.equal(c.recovered, true, `socket ${i} resumed`);
      assert.equal(markers[i].length, 1, `socket ${i} got the broadcast once`);
      assert.deepEqual(
        seen[i].map((s) => s.userId).sort(),
        experts.map((e) => e.userId).sort(),
        `socket ${i} got each change once`,
      );
    }
  } finally {
    await closeAll(server, clients);
  }
});
