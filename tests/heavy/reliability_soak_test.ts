/**
 * Soak: 1,000 connected clients with mixed traffic against a real server
 * process on loopback. Steady calls relay ICE, annotate and chat while their
 * clients' transports drop and recover; churn pairs set calls up and tear them
 * down; everyone pings. Figures: 0 errors, the server's live heap after the run within 10%
 * of its level after warm-up (RSS within 30 %), and every steady call still relays at the end.
 *
 * MOBIMAINT_SOAK_SECONDS (default 60), MOBIMAINT_SOAK_WARMUP_SECONDS (30) and
 * MOBIMAINT_SOAK_CLIENTS (1000, even) size the run.
 */
import assert from "node:assert/strict";
import { ADMIN_PASSWORD, api, login } from "../helpers/server.ts";
import { startServerProcess } from "../helpers/process.ts";
import {
  ACK_MS,
  callCount,
  pool,
  soakTraffic,
  type Stats,
  type SteadyCall,
  type User,
} from "../helpers/soak_load.ts";
import { connect, next, sleep } from "../helpers/sockets.ts";

const SECONDS = Number(Deno.env.get("MOBIMAINT_SOAK_SECONDS") ?? 60);
const WARMUP = Number(Deno.env.get("MOBIMAINT_SOAK_WARMUP_SECONDS") ?? 30);
const CLIENTS = Number(Deno.env.get("MOBIMAINT_SOAK_CLIENTS") ?? 1000);
const PAIRS = CLIENTS / 2;
const STEADY = Math.round(PAIRS * 0.8); // pairs in one long call; the rest set calls up and down

Deno.test({
  name:
    `soak: ${CLIENTS} clients, mixed traffic for ${SECONDS} s — no errors, flat memory, every call relays`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const proc = await startServerProcess({
      MOBIMAINT_DEMO: "0",
      MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "1000000",
      MOBIMAINT_LOG_LEVEL: "info", // the "stopped" line times each shutdown step
    });
    const stats: Stats = {
      errors: [],
      relaysSent: 0,
      roomReceived: 0,
      perCall: new Map(),
      annotations: 0,
      chats: 0,
      drops: 0,
      recovered: 0,
      late: 0,
      churnCalls: 0,
      pings: 0,
      latencies: [],
    };
    const fail = (what: string) => {
      if (stats.errors.length < 50) stats.errors.push(what);
      else stats.errors.length++;
    };
    const techs: User[] = [];
    const experts: User[] = [];
    let running = true;
    try {
      // ---- provision users through the Admin API, log each in once, connect everyone
      const t0 = performance.now();
      const admin = await login(proc.url, "admin", ADMIN_PASSWORD);
      const names = Array.from({ length: CLIENTS }, (_, i) => ({
        username: `soak_${i % 2 ? "e" : "t"}${Math.floor(i / 2)}`,
        role: i % 2 ? "Expert" : "Technician",
      }));
      const accounts: { userId: string; token: string }[] = new Array(CLIENTS);
      await pool(names, 8, async ({ username, role }, i) => {
        const r = await api(proc.url, "POST", "/api/users", {
          token: admin.token,
          body: { username, password: "pw-soak", role },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const l = await login(proc.url, username, "pw-soak");
        accounts[i] = { userId: l.userId, token: l.token };
      });
      const provisionedMs = performance.now() - t0;
      await pool(accounts, 50, async (a, i) => {
        const socket = await connect(proc.url, a.token, { reconnection: true, reconnectionDelay: 100 });
        const user: User = { ...a, socket, inflight: 0, dropping: false, droppedAt: 0 };
        (i % 2 ? experts : techs)[Math.floor(i / 2)] = user;
      });
      console.log(
        `soak: ${CLIENTS} users provisioned and logged in in ${(provisionedMs / 1000).toFixed(1)} s`,
      );

      const { watch, ack, startCall, steadyLoop, churnLoop, dropLoop, pingLoop } = soakTraffic(
        proc.url,
        stats,
        fail,
        () => running,
        techs,
        experts,
      );

      for (const u of [...techs, ...experts]) watch(u);

      // ---- steady calls, each with a relay counter on the receiving side
      const steady: SteadyCall[] = [];
      await pool(Array.from({ length: STEADY }, (_, i) => i), 20, async (i) => {
        const callId = await startCall(techs[i], experts[i]);
        techs[i].callId = experts[i].callId = callId;
        steady[i] = { callId, t: techs[i], e: experts[i] };
      });
      for (const { callId, t, e } of steady) {
        const count = callCount(stats, callId);
        const received = () => {
          stats.roomReceived++;
          count.received++;
        };
        t.socket.on("annotation", received);
        e.socket.on("chat", received);
      }

      const loops = [
        ...steady.map((s, i) => steadyLoop(s, i)),
        ...Array.from({ length: PAIRS - STEADY }, (_, k) => churnLoop(STEADY + k)),
        dropLoop(steady),
        pingLoop(),
      ];

      /**
       * The server's memory after a full GC (SIGUSR2, see main.ts): the live heap it logs, free of GC
       * timing, and its RSS then (median of three), which also moves with what the allocator keeps.
       */
      const memory = async () => {
        const gcLines = () => proc.output().split("\n").filter((l) => l.includes('"event":"gc"'));
        const before = gcLines().length;
        proc.kill("SIGUSR2");
        let heap = 0;
        for (let i = 0; i < 100 && !heap; i++) {
          await sleep(100);
          const line = gcLines()[before];
          if (line) heap = JSON.parse(line).heapUsed;
        }
        assert.ok(heap > 0, "the server logged its heap after a full GC");
        await sleep(500);
        const samples: number[] = [];
        for (let i = 0; i < 3; i++) {
          if (i) await sleep(300);
          samples.push(await proc.rss());
        }
        return { heap, rss: samples.sort((a, b) => a - b)[1] };
      };

      // ---- warm-up, then the measured run
      await sleep(WARMUP * 1000);
      const warm = await memory();
      const warmErrors = stats.errors.length;
      const sentAtWarm = stats.relaysSent;
      await sleep(SECONDS * 1000);
      running = false;
      await Promise.all(loops);
      await sleep(2000); // let the last relays and recoveries land
      const after = await memory();

      // ---- every steady call still relays, both ways
      let relaying = 0;
      await pool(steady, 50, async ({ callId, t, e }) => {
        const gotOffer = next(e.socket, "offer", ACK_MS, (p) => p.callId === callId);
        const okOffer = await ack(t, "offer", {
          callId,
          to: e.userId,
          offer: { type: "offer", sdp: "v=0 end" },
        });
        const gotAnswer = next(t.socket, "answer", ACK_MS, (p) => p.callId === callId);
        const okAnswer = await ack(e, "answer", {
          callId,
          to: t.userId,
          answer: { type: "answer", sdp: "v=0" },
        });
        try {
          await Promise.all([gotOffer, gotAnswer]);
          if (okOffer.ok && okAnswer.ok) relaying++;
        } catch (err) {
          fail(`final relay in ${callId}: ${(err as Error).message}`);
        }
      });
      const calls = await api(proc.url, "GET", "/api/calls", { token: admin.token });
      const stillActive = calls.body.calls.filter((c: { status: string }) => c.status === "active").length;

      const lat = stats.latencies.sort((a, b) => a - b);
      const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]?.toFixed(1);
      const growth = (after.heap - warm.heap) / warm.heap;
      const rssGrowth = (after.rss - warm.rss) / warm.rss;
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(
        `soak: ${CLIENTS} clients, ${SECONDS} s after ${WARMUP} s warm-up: ${stats.relaysSent} relays ` +
          `(${((stats.relaysSent - sentAtWarm) / SECONDS).toFixed(0)}/s measured; ack p50 ${p(0.5)} ms, ` +
          `p99 ${p(0.99)} ms), ${stats.annotations} annotations + ${stats.chats} chats acknowledged and ` +
          `${stats.roomReceived} delivered, ${stats.churnCalls} churn calls, ${stats.pings} pings, ${stats.drops} drops ` +
          `(${stats.recovered} resumed, ${stats.late} late and re-joined); errors ${stats.errors.length} (${warmErrors} in warm-up); ` +
          `live heap ${mib(warm.heap)} → ${mib(after.heap)} MiB (${(growth * 100).toFixed(1)}%), ` +
          `RSS ${mib(warm.rss)} → ${mib(after.rss)} MiB (${(rssGrowth * 100).toFixed(1)}%); ` +
          `${relaying}/${STEADY} calls relay at the end, ` +
          `${
            proc.output().split('"resume-caught-up"').length - 1
          } resumes caught up on a broadcast made meanwhile, ` +
          `${stillActive} active`,
      );
      const uneven = [...stats.perCall].filter(([, c]) => c.acked !== c.received);
      if (uneven.length) {
        console.log(
          `soak: calls where acknowledged and delivered differ: ${
            uneven.slice(0, 10).map(([id, c]) =>
              `${id} ${c.acked} acknowledged, ${c.received} delivered, ${c.drops} drops`
            ).join("; ")
          }`,
        );
      }
      assert.deepEqual(stats.errors, [], "no errors");
      // Offer/answer/ICE are not replayed after a drop (stale by design); annotations and chat are.
      assert.equal(
        stats.roomReceived,
        stats.annotations + stats.chats,
        "every acknowledged annotation and chat arrived",
      );
      assert.equal(stats.recovered + stats.late, stats.drops, "every dropped client came back");
      assert.ok(
        stats.late <= stats.drops * 0.05,
        `${stats.late} of ${stats.drops} reconnects took over the grace period`,
      );
      assert.ok(stats.churnCalls > 0 && stats.annotations > 0 && stats.chats > 0, "the traffic ran");
      // A leak in JavaScript shows as live-heap growth. RSS also moves with what the allocator keeps
      // or hands back (−19 % to +10.5 % between runs of the same code), so it gets a looser bound that
      // still catches a native leak growing with the traffic.
      assert.ok(growth <= 0.1, `the live heap grew by ${(growth * 100).toFixed(1)}% after warm-up`);
      assert.ok(rssGrowth <= 0.3, `RSS grew by ${(rssGrowth * 100).toFixed(1)}% after warm-up`);
      assert.equal(relaying, STEADY, "every steady call still relays");
      assert.equal(stillActive, STEADY, "every steady call is still active");
    } finally {
      running = false;
      for (const u of [...techs, ...experts]) u?.socket.close();
      const stopping = performance.now();
      const status = await proc.stop();
      const stopMs = Math.round(performance.now() - stopping);
      const stopped = proc.output().split("\n").find((line) => line.includes('"stopped"')) ??
        "(no stopped line)";
      console.log(`soak: the server stopped ${stopMs} ms after SIGTERM, code ${status.code}: ${stopped}`);
      if (status.code !== 0) console.log(proc.output().split("\n").slice(-30).join("\n"));
      assert.equal(status.code, 0, `the server exits cleanly after the soak (${stopMs} ms)`);
    }
  },
});
