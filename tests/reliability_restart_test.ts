/**
 * Restarts of a real `deno run -A main.ts` process: SIGTERM during an active
 * call (clients told, exit 0 within 5 s, everything kept), SIGTERM with peers
 * that never finish closing (cut after the drain, exit 0 within 5 s), and SIGKILL during
 * a burst of annotation writes (every acknowledged annotation survives).
 */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { ADMIN_PASSWORD, api, login, loginAll } from "./helpers/server.ts";
import { startServerProcess } from "./helpers/process.ts";
import { type Client, connect, next, send } from "./helpers/sockets.ts";

async function activeCall(url: string) {
  const users = await loginAll(url);
  const tech = await connect(url, users.tech.token);
  const expert = await connect(url, users.expert.token);
  const callId = await startActiveCall(url, users.tech.token, tech, expert, users.expert.userId);
  return { users, tech, expert, callId };
}

Deno.test("SIGTERM during an active call: clients told, exit 0 within 5 s, everything there after restart", async () => {
  const proc = await startServerProcess();
  let again: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const sockets: Client[] = [];
  try {
    const { users, tech, expert, callId } = await activeCall(proc.url);
    sockets.push(tech, expert);
    for (let i = 0; i < 5; i++) {
      const ack = await send(expert, "annotation", {
        callId,
        id: `a${i}`,
        text: `pin ${i}`,
        x: 0.1 * i,
        y: 0.5,
      });
      assert.equal(ack.ok, true);
    }
    assert.equal((await send(tech, "chat", { callId, id: "m1", text: "before restart" })).ok, true);

    const toldTech = next(tech, "server-shutdown", 5000);
    const toldExpert = next(expert, "server-shutdown", 5000);
    const t0 = performance.now();
    proc.kill("SIGTERM");
    await Promise.all([toldTech, toldExpert]);
    const status = await Promise.race([
      proc.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no exit within 5 s")), 5000)),
    ]);
    const exitMs = performance.now() - t0;
    assert.equal(status.code, 0, proc.output());
    assert.ok(exitMs < 5000, `exit took ${exitMs} ms`);
    console.log(`SIGTERM → exit 0 in ${Math.round(exitMs)} ms`);

    again = await startServerProcess({}, proc.dataDir);
    const admin = await login(again.url, "admin", ADMIN_PASSWORD);
    const detail = await api(again.url, "GET", `/api/calls/${callId}`, { token: admin.token });
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.annotations.map((a: { id: string }) => a.id), [
      "a0",
      "a1",
      "a2",
      "a3",
      "a4",
    ]);
    assert.deepEqual(detail.body.chat.map((m: { text: string }) => m.text), ["before restart"]);
    assert.deepEqual(
      detail.body.participants.map((p: { userId: string }) => p.userId).sort(),
      [users.tech.userId, users.expert.userId].sort(),
    );
    const status2 = await api(again.url, "GET", "/api/users/status", { token: admin.token });
    assert.equal(status2.body.totalUsers, 7);

    // The call resumes: both come back with their old tokens and signaling flows again.
    const tech2 = await connect(again.url, users.tech.token);
    const expert2 = await connect(again.url, users.expert.token);
    sockets.push(tech2, expert2);
    assert.equal((await send(expert2, "join-call", { callId })).ok, true);
    const anns = next(tech2, "existing-annotations");
    assert.equal((await send(tech2, "join-call", { callId })).ok, true);
    assert.equal((await anns).annotations.length, 5);
    const offer = next(expert2, "offer");
    await send(tech2, "offer", { callId, to: users.expert.userId, offer: { type: "offer", sdp: "v=0" } });
    assert.equal((await offer).from, users.tech.userId);
  } finally {
    for (const s of sockets) s.close();
    await proc.stop();
    await again?.stop();
  }
});

Deno.test("SIGTERM with a WebSocket peer that never answers the close and a connection that never sends a request: exit 0 within 5 s", async () => {
  const proc = await startServerProcess();
  const conns: Deno.TcpConn[] = [];
  try {
    // A phone that went away without a FIN: its WebSocket is open, but it will never answer the closing handshake.
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: proc.port });
    conns.push(silent);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await silent.write(new TextEncoder().encode(
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n" +
        `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
    ));
    const buf = new Uint8Array(4096);
    const n = await silent.read(buf);
    assert.match(
      new TextDecoder().decode(buf.subarray(0, n ?? 0)),
      /^HTTP\/1\.1 101/,
      "the upgrade is accepted",
    );
    // And a connection accepted but still silent (a slow client, a port scanner).
    conns.push(await Deno.connect({ hostname: "127.0.0.1", port: proc.port }));

    const t0 = performance.now();
    proc.kill("SIGTERM");
    const status = await Promise.race([
      proc.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit within 5 s:\n${proc.output()}`)), 5000)
      ),
    ]);
    const exitMs = performance.now() - t0;
    assert.equal(status.code, 0, proc.output());
    console.log(`SIGTERM with stuck peers → exit 0 in ${Math.round(exitMs)} ms`);
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* already closed by the server */ }
    }
    await proc.stop();
  }
});

Deno.test("SIGKILL during a burst of annotation writes: the store opens and every acknowledged one is there", async () => {
  const proc = await startServerProcess();
  let again: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const sockets: Client[] = [];
  try {
    const { tech, expert, callId } = await activeCall(proc.url);
    sockets.push(tech, expert);
    const acked = new Set<string>();
    let sent = 0;
    let stop = false;
    // Four writers keep several writes in flight at every moment.
    const writer = async (socket: Client, name: string) => {
      for (let i = 0; !stop; i++) {
        const id = `${name}-${i}`;
        sent++;
        try {
          const ack = await send(socket, "annotation", { callId, id, text: id, x: 0.5, y: 0.5 }, 2000);
          if (ack.ok) acked.add(id);
        } catch {
          return; // the server died under us: this write was never acknowledged
        }
      }
    };
    const writers = [writer(tech, "t1"), writer(tech, "t2"), writer(expert, "e1"), writer(expert, "e2")];
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 20));
    proc.kill("SIGKILL");
    const status = await proc.exited;
    stop = true;
    await Promise.all(writers);
    assert.equal(status.signal, "SIGKILL");
    console.log(`SIGKILL after ${acked.size} acknowledged of ${sent} sent annotation writes`);

    again = await startServerProcess({}, proc.dataDir);
    const admin = await login(again.url, "admin", ADMIN_PASSWORD);
    const detail = await api(again.url, "GET", `/api/calls/${callId}`, { token: admin.token });
    assert.equal(detail.status, 200);
    const stored = new Set<string>(detail.body.annotations.map((a: { id: string }) => a.id));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged annotations lost`);
    assert.ok(stored.size >= acked.size);
    assert.equal((await api(again.url, "GET", "/health")).body.status, "healthy");
  } finally {
    for (const s of sockets) s.close();
    await proc.stop();
    await again?.stop();
  }
});
