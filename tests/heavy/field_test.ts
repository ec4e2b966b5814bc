/**
 * A call on a bad field link, in real Chromium through a real coturn: the technician's TURN traffic goes
 * through the link emulator (300 kbps, 150 ms round trip, 5 % loss each way). Video arrives; the
 * technician's camera keeps its resolution and audio has priority and redundancy; annotations come by the board
 * stream or the data channel while the signaling is held; a camera turned off is not called a
 * bad connection; the technician's whole network gone (both ends restart, their offers cross), a black-holed
 * path and a NAT rebinding all recover by ICE restart without anyone leaving the call; on a network that cuts
 * WebSockets the signaling comes back on long-polling. Timings are printed, not judged: `deno task bench
 * --field` measures them.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { MAX_PROVISIONAL, PROVISIONAL_MS } from "../../lib/client/call_board.ts";
import { CHROMIUM_FLAGS, CHROMIUM_PATH, hasChromium } from "../helpers/browser.ts";
import {
  audioArriving,
  callState,
  firstFrameAt,
  openCallPages,
  selectedPair,
  videoFlowing,
  waitFor,
} from "../helpers/call_pages.ts";
import { hasCoturn, startCoturn } from "../helpers/coturn.ts";
import { audioFormats, routeTurnThrough, senderPolicy } from "../helpers/field.ts";
import { TcpLink } from "../helpers/link/tcp_link.ts";
import { UdpLink } from "../helpers/link/udp_link.ts";
import { startTestServer } from "../helpers/server.ts";

const FIELD = { rateKbps: 300, delayMs: 75, lossPct: 5, queueMs: 300 };

Deno.test({
  name: "field link: relay through an impaired link; camera off; black hole and rebinding recover",
  ignore: !hasChromium || !hasCoturn,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const coturn = await startCoturn();
  const link = await UdpLink.start({ host: "127.0.0.1", port: coturn.port }, { up: FIELD, down: FIELD });
  const server = await startTestServer({
    MOBIMAINT_TURN_URLS: coturn.urls.udp,
    MOBIMAINT_TURN_SECRET: coturn.secret,
    MOBIMAINT_ICE_TRANSPORT_POLICY: "relay",
    // One drawing per call: a second is refused, and its copy beside the media must be taken back.
    MOBIMAINT_LIMIT_ANNOTATIONS: "1",
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, ...coturn.chromiumArgs],
  });
  // The technician's page and signaling through a link of their own (unimpaired), to lose its whole network.
  const url = new URL(server.url);
  const signaling = await TcpLink.start({ host: url.hostname, port: Number(url.port) }, {});
  const pages = await openCallPages(browser, server.url, {
    techBase: `http://127.0.0.1:${signaling.port}`,
    beforeCall: (tech) => routeTurnThrough(tech.context(), `:${coturn.port}`, `:${link.port}`),
  });
  const { tech, expert } = pages;
  const bothFlowing = async () =>
    (await Promise.all([videoFlowing(tech), videoFlowing(expert)])).every(Boolean);
  const bothHear = async () =>
    (await Promise.all([audioArriving(tech), audioArriving(expert)])).every(Boolean);
  const events =
    async () => [...await callState(tech, "m.call.events"), ...await callState(expert, "m.call.events")];
  let healthy = true;
  const step = async (name: string, fn: () => Promise<void>) => {
    healthy = await t.step({ name, ignore: !healthy, fn }) && healthy;
  };
  try {
    await step("video both ways over the impaired relay", async () => {
      const [a, b] = await Promise.all([firstFrameAt(tech, 30_000), firstFrameAt(expert, 30_000)]).catch(
        async (e) => {
          for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
            const state = await callState(
              page,
              "JSON.stringify({ e: m?.call.events, p: m?.call.peerState.value })",
            );
            console.error(`[${who}] ${state}`);
          }
          console.error(`[link] ${JSON.stringify(link.stats())}`);
          throw e;
        },
      );
      console.log(`  first remote frame on both ${Math.max(a, b) - pages.acceptedAt} ms after accept`);
      const pair = await selectedPair(tech);
      assert.equal(pair?.local.candidateType, "relay");
      await waitFor("media across the link", () => {
        const { up, down } = link.stats();
        return Promise.resolve(up.packets > 100 && down.packets > 100);
      }).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(link.stats())}`);
      });
      const { up, down } = link.stats();
      assert.ok(up.lost > 0 && down.lost > 0, "and the link loses some of it");
    });

    await step(
      "the technician's camera keeps its resolution; audio goes first, with redundancy",
      async () => {
        await waitFor(
          "sender parameters",
          async () => (await senderPolicy(tech)).video === "maintain-resolution",
        );
        assert.deepEqual((await senderPolicy(tech)).audio, ["high/high"]);
        assert.deepEqual((await senderPolicy(expert)).audio, ["high/high"]);
        // Opus held to 16 kbit/s, so that with its redundant copy audio costs what plain Opus did.
        assert.deepEqual((await senderPolicy(tech)).audioMaxBitrate, [16_000]);
        assert.deepEqual((await senderPolicy(expert)).audioMaxBitrate, [16_000]);
        // Each side asks for redundant audio (RED): a lost packet's speech arrives in the next one.
        assert.deepEqual(await audioFormats(tech), { local: "red", remote: "red" });
        assert.deepEqual(await audioFormats(expert), { local: "red", remote: "red" });
      },
    );

    await step("chat crosses while the link is poor", async () => {
      await tech.fill("#chat-input", "Pressure is 4 bar");
      await tech.press("#chat-input", "Enter");
      await expert.locator('[data-testid="chat-log"] li', { hasText: "Pressure is 4 bar" }).waitFor();
    });

    await step(
      "with only its signaling connection held, a drawing too large for the data channel reaches the technician on its board stream",
      async () => {
        const onTech = (id: string) =>
          callState(tech, `m.call.board.annotations.value.some((a) => a.id === "${id}")`) as Promise<boolean>;
        const id = `stroke-${crypto.randomUUID().slice(0, 8)}`;
        const points = Array.from({ length: 120 }, (_, i) => [0.1 + i / 200, 0.5 + Math.sin(i / 9) / 5]);
        // The signaling WebSocket was opened by upgrading its polling session, so its request names it.
        const sid = await callState(tech, "m.call.socket.io.engine.id");
        assert.equal(
          signaling.holdWhere(`transport=websocket&sid=${sid}`, true),
          1,
          "one signaling WebSocket",
        );
        try {
          await callState(
            expert,
            `m.call.board.addAnnotation({ id: "${id}", from: m.call.me.userId, kind: "stroke", x: 0.1, y: 0.5,
              color: "#ff3b30", points: ${JSON.stringify(points)} })`,
          );
          await waitFor("the stroke on the technician's page", () => onTech(id), 5_000);
          assert.ok(
            await callState(tech, `m.call.board.provisional.has("${id}")`),
            "shown before the signaling socket's copy",
          );
        } finally {
          signaling.holdWhere(`transport=websocket&sid=${sid}`, false);
        }
        await waitFor(
          "the signaling socket's copy",
          async () => !await callState(tech, `m.call.board.provisional.has("${id}")`),
          10_000,
        );
        assert.ok(await onTech(id), "the stroke stays");
        // The call allows one drawing (below): start that part with an empty board.
        await callState(expert, "m.call.board.clear()");
        await waitFor("the board cleared", async () => !await onTech(id), 10_000);
      },
    );

    await step(
      "a new annotation reaches the technician beside the media while its signaling is held; what the server never has does not stay",
      async () => {
        const pinOn = (page: typeof tech, id: string) =>
          callState(page, `m.call.board.annotations.value.some((a) => a.id === "${id}")`) as Promise<boolean>;
        const pin = (id: string, x: number) =>
          `({ id: "${id}", from: m.call.me.userId, kind: "pin", x: ${x}, y: 0.4, color: "#ff3b30", text: "${id}" })`;
        const tag = crypto.randomUUID().slice(0, 8);
        const [drawn, ghost, takenBack] = [`drawn-${tag}`, `ghost-${tag}`, `taken-back-${tag}`];
        signaling.blackhole(true);
        try {
          await callState(expert, `m.call.board.addAnnotation(${pin(drawn, 0.3)})`);
          // Sent only beside the media, as a page would for an annotation the server then refused.
          await callState(expert, `m.call.board.channel.send(${pin(ghost, 0.5)})`);
          await callState(expert, `m.call.board.channel.send(${pin(takenBack, 0.7)})`);
          await waitFor(
            "the pins on the technician's page",
            async () => await pinOn(tech, drawn) && await pinOn(tech, ghost) && await pinOn(tech, takenBack),
            5_000,
          );
          await callState(expert, `m.call.board.channel.retract("${takenBack}")`);
          await waitFor("the pin taken back", async () => !await pinOn(tech, takenBack), 5_000);
          // A page cannot flood the other with drawings the server never has: at most MAX_PROVISIONAL wait.
          await callState(
            expert,
            `Array.from({ length: ${
              MAX_PROVISIONAL + 20
            } }, (_, i) => m.call.board.channel.send({ id: "flood-${tag}-" + i,
              from: m.call.me.userId, kind: "pin", x: 0.5, y: 0.6, color: "#ff3b30", text: "" })).length`,
          );
          await waitFor(
            "the flood held to its limit",
            async () => (await callState(tech, "m.call.board.provisional.size")) === MAX_PROVISIONAL,
            5_000,
          );
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(await callState(tech, "m.call.board.provisional.size"), MAX_PROVISIONAL);
        } finally {
          signaling.blackhole(false);
        }
        // The server's copy of the drawn pin comes once the signaling is back: it is no longer provisional.
        await waitFor(
          "the server's copy",
          async () => !await callState(tech, `m.call.board.provisional.has("${drawn}")`),
          15_000,
        );
        await waitFor("the ghost gone", async () => !await pinOn(tech, ghost), PROVISIONAL_MS + 5_000, 250);
        await waitFor(
          "the flood gone",
          async () => (await callState(tech, "m.call.board.provisional.size")) === 0,
        );
        assert.ok(await pinOn(tech, drawn), "the drawn pin stays");
        // The server refuses a second drawing (the limit): its author takes back the copy it sent beside the
        // media, well before that copy would have expired.
        const refused = `refused-${tag}`;
        await callState(
          tech,
          `(globalThis.__sawRefused = false, m.call.board.annotations.subscribe((list) => {
            if (list.some((a) => a.id === "${refused}")) globalThis.__sawRefused = true;
          }), true)`,
        );
        await callState(expert, `m.call.board.addAnnotation(${pin(refused, 0.6)})`);
        await expert.locator(".banners .alert-warn", { hasText: "Annotation not sent" }).waitFor({
          timeout: 5_000,
        });
        await waitFor(
          "the refused pin shown on the technician's page",
          () => tech.evaluate("globalThis.__sawRefused"),
        );
        await waitFor("the refused pin taken back", async () => !await pinOn(tech, refused), 3_000);
        assert.equal(await callState(tech, "m.call.board.provisional.size"), 0);
        assert.ok(!(await events()).includes("user-left"));
      },
    );

    await step("camera off: the expert is told so, not that the connection is weak", async () => {
      link.set({
        up: { rateKbps: 0, lossPct: 0, delayMs: 0 },
        down: { rateKbps: 0, lossPct: 0, delayMs: 0 },
      });
      await tech.click("button:has-text('Camera off')");
      const badge = expert.locator('[data-testid="peer-camera-off"]', { hasText: "camera is off" });
      await badge.waitFor({ timeout: 10_000 });
      // A disabled camera track still sends black frames, at a falling rate: wait until little arrives.
      await waitFor(
        "little video arriving",
        async () => (await callState(expert, "m.call.quality.value?.kbps")) < 150,
        10_000,
        250,
      );
      // Two samples in a row, a second apart: little arrives (a disabled camera still sends black frames,
      // at a varying rate), and that is not called low bandwidth. The expert's own outgoing estimate may
      // still name the bandwidth (a loaded machine): then it is below its threshold.
      for (let i = 0; i < 2; i++) {
        await new Promise((r) => setTimeout(r, 1100));
        const q = await callState(
          expert,
          "({ ...m.call.quality.value, out: m.call.link.lastSample?.availableOutgoingKbps })",
        );
        assert.ok(q.limit !== "bandwidth" || q.out < 250, JSON.stringify(q));
      }
      await tech.click("button:has-text('Camera on')");
      await waitFor("video again", bothFlowing, 10_000);
    });

    await step(
      "the technician's whole network gone for 3 s: both ends restart, their offers cross, sound and video come back both ways",
      async () => {
        // On a clear link (a phone back on a good network), before any other restart: that is where Chromium's
        // polite end was seen sending nothing more after rolling its offer back (PeerSession.reattachTracks).
        // After an earlier renegotiation, or with a later restart of the other end, it did not always show.
        const clear = { rateKbps: 0, lossPct: 0, delayMs: 0 };
        link.set({ up: clear, down: clear });
        const seen = {
          tech: (await callState(tech, "m.call.events")).length,
          expert: (await callState(expert, "m.call.events")).length,
        };
        link.blackhole(true);
        signaling.blackhole(true);
        await new Promise((r) => setTimeout(r, 3000));
        link.blackhole(false);
        signaling.blackhole(false);
        const back = Date.now();
        // Each end's restart offer waited in the dead network (the technician's) for the other's: a glare,
        // which the polite end (the expert) settles by rolling its offer back.
        const since = async () =>
          [
            ...(await callState(tech, "m.call.events")).slice(seen.tech),
            ...(await callState(expert, "m.call.events")).slice(seen.expert),
          ] as string[];
        await waitFor(
          "the offers crossing",
          async () => (await since()).some((e) => e.includes("glare")),
          10_000,
        )
          .catch(async (e) => {
            throw new Error(
              `${e.message}: ${JSON.stringify((await since()).filter((x) => !x.includes("candidate")))}`,
            );
          });
        await waitFor("video flowing on both", bothFlowing, 15_000, 50);
        await waitFor("sound arriving on both", bothHear, 5_000, 50);
        console.log(`  video and sound flowing again ${Date.now() - back} ms after the network came back`);
        assert.ok(!(await events()).includes("user-left")); // the next step puts the impaired link back
      },
    );

    await step("path black-holed for 3 s: an ICE restart brings video back, nobody left", async () => {
      link.set({ up: FIELD, down: FIELD });
      link.blackhole(true);
      await new Promise((r) => setTimeout(r, 3000));
      link.blackhole(false);
      const back = Date.now();
      await waitFor("video flowing on both", bothFlowing, 15_000, 50);
      console.log(`  video flowing again ${Date.now() - back} ms after the path came back`);
      const all = await events();
      assert.ok(all.includes("(ICE restart)"), "an ICE restart");
      assert.ok(all.some((e) => e.startsWith("ice-restart:stalled")), "started by the stall detector");
      assert.ok(!all.includes("user-left"));
    });

    await step("NAT rebinding (new source port): video comes back, chat and drawings intact", async () => {
      const restartsBefore = (await callState(tech, "m.call.counters")).iceRestarts +
        (await callState(expert, "m.call.counters")).iceRestarts;
      await link.rebind();
      const rebound = Date.now();
      // Frames already queued on the link (or in a jitter buffer) may still be decoded for a moment after
      // the rebinding: the recovery comes first, then video must flow again. Either page may restart ICE, by
      // any path (its stall detector, or ICE reporting the path failed or disconnected for 3 s). Or Chrome's
      // ICE moves to a new TURN allocation by itself, before any stall is seen (it re-allocates when coturn
      // refuses the old one from the new address): then media flows from coturn to the new port, which the
      // link's sessions, all new since the rebinding, count.
      let restarted = false;
      await waitFor(
        "an ICE restart, or media through coturn to the new port",
        async () => {
          const restartsAfter = (await callState(tech, "m.call.counters")).iceRestarts +
            (await callState(expert, "m.call.counters")).iceRestarts;
          restarted = restartsAfter > restartsBefore;
          return restarted || link.stats().down.packets > 200;
        },
        15_000,
        100,
      ).catch(async (e) => {
        // What each page saw: its recent events, its connection and whether bytes still arrived.
        for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
          const state = await callState(
            page,
            `(async () => {
              const bytes = async () => {
                let n = 0;
                (await m.call.stats())?.forEach((r) => {
                  if (r.type === "transport") n += r.bytesReceived ?? 0;
                });
                return n;
              };
              const before = await bytes();
              await new Promise((r) => setTimeout(r, 1000));
              return JSON.stringify({
                events: m.call.events.slice(-40),
                counters: m.call.counters,
                peer: m.call.peerState.value,
                pc: m.call.peer.session?.pc.connectionState,
                ice: m.call.peer.session?.pc.iceConnectionState,
                bytesPerSecond: (await bytes()) - before,
              });
            })()`,
          ).catch((err) => String(err));
          console.error(`[${who}] ${state}`);
        }
        console.error(`[link] ${JSON.stringify(link.stats())} upstream ports ${link.upstreamPorts}`);
        throw e;
      });
      await waitFor("video flowing on both", bothFlowing, 15_000, 50);
      console.log(
        `  video flowing again ${Date.now() - rebound} ms after the rebinding (${
          restarted ? "ICE restart" : "ICE on a new allocation without a restart"
        })`,
      );
      assert.ok(link.upstreamPorts.length >= 2, "coturn saw the technician from a new port");
      assert.ok(!(await events()).includes("user-left"));
      await tech.locator('[data-testid="chat-log"] li', { hasText: "Pressure is 4 bar" }).waitFor();
    });
    await step(
      "a new network whose WebSockets fail: the technician's signaling comes back on long-polling",
      async () => {
        const connects = (): Promise<number> => callState(tech, "m.call.counters.connects");
        const before = await connects();
        signaling.refuseWebSockets = true;
        signaling.rebind();
        await waitFor("the technician's signaling back", async () => await connects() > before, 10_000);
        assert.equal(await callState(tech, "m.call.socket.io.engine.transport.name"), "polling");
        await tech.fill("#chat-input", "On the new network");
        await tech.press("#chat-input", "Enter");
        await expert.locator('[data-testid="chat-log"] li', { hasText: "On the new network" }).waitFor();
        signaling.refuseWebSockets = false;
      },
    );
  } finally {
    await pages.close();
    await browser.close();
    await server.close();
    await link.close();
    await signaling.close();
    await coturn.stop();
  }
});
