/**
 * TURN configuration against a real coturn: /api/ice-servers orders TURN UDP, TCP, TLS and carries the
 * relay policy; /health and `mobimaint health` tell when a configured TURN server does not answer.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadConfig } from "../fresh.config.ts";
import { probeTurnUrl } from "../server/turn/probe.ts";
import { orderTurnUrls, parseTurnUrl } from "../server/turn/urls.ts";
import { cliHome } from "./helpers/cli.ts";
import { freePort, hasCoturn, startCoturn } from "./helpers/coturn.ts";
import { api, login, startTestServer } from "./helpers/server.ts";

Deno.test("TURN URLs: parsed with default ports, ordered UDP, TCP, TLS", () => {
  assert.deepEqual(parseTurnUrl("turn:example.test"), {
    url: "turn:example.test",
    host: "example.test",
    port: 3478,
    transport: "udp",
  });
  assert.deepEqual(parseTurnUrl("turns:[::1]?transport=tcp"), {
    url: "turns:[::1]?transport=tcp",
    host: "::1",
    port: 5349,
    transport: "tls",
  });
  assert.equal(parseTurnUrl("turn:x:3478?transport=tcp")?.transport, "tcp");
  for (const bad of ["http://x", "turn:", "turn:x:99999", "turn:x?transport=sctp", "turn:x y"]) {
    assert.equal(parseTurnUrl(bad), undefined, bad);
  }
  assert.deepEqual(
    orderTurnUrls(["turns:a:443?transport=tcp", "turn:a:3478?transport=tcp", "turn:b", "turn:a:3478"]),
    ["turn:b", "turn:a:3478", "turn:a:3478?transport=tcp", "turns:a:443?transport=tcp"],
  );
});

Deno.test("config: a bad TURN URL or transport policy is a clear startup error", () => {
  assert.throws(
    () => loadConfig({ MOBIMAINT_TURN_URLS: "stun:x:3478" }),
    /MOBIMAINT_TURN_URLS: "stun:x:3478"/,
  );
  assert.throws(
    () => loadConfig({ MOBIMAINT_ICE_TRANSPORT_POLICY: "tcp" }),
    /MOBIMAINT_ICE_TRANSPORT_POLICY must be "all" or "relay"/,
  );
  assert.equal(loadConfig({}).iceTransportPolicy, "all");
  assert.equal(loadConfig({ MOBIMAINT_ICE_TRANSPORT_POLICY: "relay" }).iceTransportPolicy, "relay");
});

Deno.test({
  name: "TURN: ice-servers ordered with the relay policy; /health and the CLI see coturn up and down",
  ignore: !hasCoturn,
}, async () => {
  const coturn = await startCoturn();
  const dead = `turn:127.0.0.1:${await freePort()}?transport=tcp`;
  const cli = await cliHome();
  const up = await startTestServer({
    MOBIMAINT_TURN_URLS: [coturn.urls.tls, coturn.urls.tcp, coturn.urls.udp].join(","),
    MOBIMAINT_TURN_SECRET: coturn.secret,
    MOBIMAINT_ICE_TRANSPORT_POLICY: "relay",
  });
  const half = await startTestServer({ MOBIMAINT_TURN_URLS: `${coturn.urls.udp},${dead}` });
  const plain = await startTestServer();
  try {
    const tech = await login(up.url, "user1", "P");
    const ice = (await api(up.url, "GET", "/api/ice-servers", { token: tech.token })).body;
    assert.equal(ice.iceTransportPolicy, "relay");
    assert.equal(ice.iceServers.length, 1, "no STUN when only relays may be used");
    const [turn] = ice.iceServers;
    assert.deepEqual(turn.urls, [coturn.urls.udp, coturn.urls.tcp, coturn.urls.tls]);
    assert.equal(turn.credential, createHmac("sha1", coturn.secret).update(turn.username).digest("base64"));

    const health = (await api(up.url, "GET", "/health")).body;
    assert.equal(health.status, "healthy");
    assert.equal(health.turn.status, "ok");
    assert.deepEqual(health.turn.servers.map((s: { reachable: boolean }) => s.reachable), [true, true, true]);
    const table = await cli.run(["--server", up.url, "health"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /TURN +ok \(3 URLs\)/);

    // One URL of two answers: degraded, the dead one named; the node itself stays healthy (200).
    const r = await api(half.url, "GET", "/health");
    assert.equal(r.status, 200);
    assert.equal(r.body.turn.status, "degraded");
    const sick = await cli.run(["--server", half.url, "health"]);
    assert.equal(sick.code, 1);
    assert.match(sick.stderr, new RegExp(`TURN is configured but degraded: ${dead.replace("?", "\\?")}`));

    // coturn gone: probes fail fast (connection refused / no answer within 1 s).
    await coturn.stop();
    for (const url of Object.values(coturn.urls)) {
      assert.equal((await probeTurnUrl(url, 500)).reachable, false);
    }
    const fresh = await startTestServer({ MOBIMAINT_TURN_URLS: coturn.urls.udp });
    try {
      const started = Date.now();
      const down = (await api(fresh.url, "GET", "/health")).body;
      assert.equal(down.turn.status, "unreachable");
      assert.ok(Date.now() - started < 2000, "/health waits at most one probe");
      const cached = Date.now();
      assert.equal((await api(fresh.url, "GET", "/health")).body.turn.status, "unreachable");
      assert.ok(Date.now() - cached < 500, "then answers from the cache");
    } finally {
      await fresh.close();
    }

    assert.equal((await api(plain.url, "GET", "/health")).body.turn.status, "not-configured");
    assert.match((await cli.run(["--server", plain.url, "health"])).stdout, /TURN +not configured/);
  } finally {
    await coturn.stop();
    await Promise.all([up.close(), half.close(), plain.close()]);
  }
});
