/**
 * HTTPS end to end: a real server with a certificate from a test CA, clients that trust that CA
 * (verification stays on), certificate reload on SIGHUP, and X-Forwarded-* only from trusted proxies.
 */
import assert from "node:assert/strict";
import { connectCall } from "./helpers/calls.ts";
import { connect as tlsConnect } from "node:tls";
import { serverV8Arg } from "../server/runtime_flags.ts";
import { startTestServer } from "./helpers/server.ts";
import { connect, next, send } from "./helpers/sockets.ts";
import { httpsApi, makeTestCertificates, nodeRequest } from "./helpers/tls.ts";

/** The serial number of the certificate the server presents on a new TLS connection. */
function servedSerial(port: number, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca: caPem, servername: "localhost" }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once("error", reject);
  });
}

Deno.test("over https:// and wss://: login, REST, and a Socket.IO call round trip, trusting the test CA", async () => {
  const certs = await makeTestCertificates();
  // As deployed certificates come: the file holds the full chain, leaf first.
  await Deno.writeTextFile(certs.certPath, certs.caPem, { append: true });
  const server = await startTestServer({
    MOBIMAINT_TLS_CERT: certs.certPath,
    MOBIMAINT_TLS_KEY: certs.keyPath,
  });
  const client = Deno.createHttpClient({ caCerts: [certs.caPem] });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const techLogin = await httpsApi(client, server.url, "POST", "/login", {
      body: { username: "user1", password: "P" },
    });
    assert.equal(techLogin.status, 200);
    const cookie = techLogin.headers.get("set-cookie") ?? "";
    assert.match(cookie, /mobimaint_session=/);
    assert.match(cookie, /;\s*Secure/i, "session cookie is Secure over HTTPS");
    const tech = techLogin.body;
    const expert = (await httpsApi(client, server.url, "POST", "/login", {
      body: { username: "user2", password: "P" },
    })).body;

    const experts = await httpsApi(client, server.url, "GET", "/api/experts", { token: tech.token });
    assert.equal(experts.status, 200);
    const callId =
      (await httpsApi(client, server.url, "POST", "/api/create-call", { token: tech.token, body: {} }))
        .body.callId;
    assert.ok(callId);

    const techSocket = await connect(server.url, tech.token, { ca: certs.caPem });
    const expertSocket = await connect(server.url, expert.token, { ca: certs.caPem });
    try {
      assert.equal((await send(techSocket, "register", {})).ok, true);
      await connectCall(callId, techSocket, expertSocket, expert.userId);
      const offer = next(expertSocket, "offer");
      await send(techSocket, "offer", { callId, to: expert.userId, offer: { type: "offer", sdp: "v=0" } });
      assert.equal((await offer).from, tech.userId);
    } finally {
      techSocket.close();
      expertSocket.close();
    }

    // Verification is really on: without the CA, neither fetch nor the socket gets through.
    await assert.rejects(fetch(`${server.url}/health`), (e: Error) => /UnknownIssuer/.test(String(e.cause)));
    const tlsRefusal = (e: { description?: { error?: Error; message?: string } }) =>
      /unable to verify/i.test(e.description?.error?.message ?? e.description?.message ?? "");
    await assert.rejects(connect(server.url, tech.token), tlsRefusal);
    const stranger = await makeTestCertificates();
    await assert.rejects(connect(server.url, tech.token, { ca: stranger.caPem }), tlsRefusal);
    await Deno.remove(stranger.dir, { recursive: true });
    // Plain HTTP is not served on the TLS port.
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/health`));

    // HSTS on HTTPS, except for loopback names (pinning localhost would break other dev servers).
    const health = `${server.url}/health`;
    const named = await nodeRequest(health, {
      headers: { host: "mobimaint.example.test" },
      caPem: certs.caPem,
    });
    assert.equal(named.status, 200);
    assert.equal(named.headers["strict-transport-security"], "max-age=15552000");
    const local = await nodeRequest(health, {
      headers: { host: `localhost:${server.port}` },
      caPem: certs.caPem,
    });
    assert.equal(local.status, 200);
    assert.equal(local.headers["strict-transport-security"], undefined);
  } finally {
    client.close();
    await server.close();
    await Deno.remove(certs.dir, { recursive: true });
  }
});

Deno.test("plain HTTP: no Secure cookie and no HSTS", async () => {
  const server = await startTestServer();
  try {
    const r = await nodeRequest(`${server.url}/login`, {
      method: "POST",
      body: { username: "user1", password: "P" },
      headers: { host: "mobimaint.example.test" },
    });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["set-cookie"]), /mobimaint_session=/);
    assert.doesNotMatch(String(r.headers["set-cookie"]), /Secure/i);
    assert.equal(r.headers["strict-transport-security"], undefined);
  } finally {
    await server.close();
  }
});

Deno.test("behind a proxy: X-Forwarded-* ignored without MOBIMAINT_TRUST_PROXY, used with it", async () => {
  const limits = { MOBIMAINT_LIMIT_LOGIN_PER_CLIENT: "2" };
  const loginFrom = async (url: string, ip: string, extra: Record<string, string> = {}) => {
    const r = await nodeRequest(`${url}/login`, {
      method: "POST",
      body: { username: "user1", password: "P" },
      headers: {
        "x-forwarded-for": ip,
        "x-forwarded-proto": "https",
        host: "mobimaint.example.test",
        ...extra,
      },
    });
    return {
      status: r.status,
      cookie: String(r.headers["set-cookie"] ?? ""),
      hsts: r.headers["strict-transport-security"],
    };
  };

  const direct = await startTestServer(limits);
  try {
    const first = await loginFrom(direct.url, "198.51.100.1");
    assert.equal(first.status, 200);
    assert.match(first.cookie, /mobimaint_session=/);
    assert.doesNotMatch(first.cookie, /Secure/i, "proto header not believed");
    assert.equal(first.hsts, undefined);
    assert.equal((await loginFrom(direct.url, "198.51.100.2")).status, 200);
    // Different claimed addresses share the one real address's budget.
    assert.equal((await loginFrom(direct.url, "198.51.100.3")).status, 429);
  } finally {
    await direct.close();
  }

  const proxied = await startTestServer({ ...limits, MOBIMAINT_TRUST_PROXY: "1" });
  try {
    const first = await loginFrom(proxied.url, "198.51.100.1");
    assert.equal(first.status, 200);
    assert.match(first.cookie, /;\s*Secure/i, "HTTPS at the proxy gives a Secure cookie");
    assert.equal(first.hsts, "max-age=15552000");
    assert.equal((await loginFrom(proxied.url, "198.51.100.1")).status, 200);
    assert.equal((await loginFrom(proxied.url, "198.51.100.1")).status, 429, "one client's budget is spent");
    // Each real client has its own budget; a forged leftmost entry does not buy a new one.
    assert.equal((await loginFrom(proxied.url, "198.51.100.2")).status, 200);
    assert.equal((await loginFrom(proxied.url, "10.9.9.9, 198.51.100.1")).status, 429);
    const plain = await loginFrom(proxied.url, "198.51.100.4", { "x-forwarded-proto": "http" });
    assert.equal(plain.status, 200);
    assert.match(plain.cookie, /mobimaint_session=/);
    assert.doesNotMatch(plain.cookie, /Secure/i);
    assert.equal(plain.hsts, undefined);
  } finally {
    await proxied.close();
  }
});

/** main.ts as a real process (logs on stdout), with `env` on top of test defaults. */
async function spawnMain(env: Record<string, string>) {
  const dataDir = await Deno.makeTempDir({ prefix: "mobimaint-main-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", serverV8Arg, "main.ts"],
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      MOBIMAINT_DATA_DIR: dataDir,
      MOBIMAINT_DEMO: "1",
      MOBIMAINT_ADMIN_PASSWORD: "admin-test-pw",
      MOBIMAINT_LOG_LEVEL: "info",
      ...env,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  /** Waits until the output so far matches `pattern` (searching from `from`). */
  const waitFor = async (pattern: RegExp, from = 0, ms = 20_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    while (true) {
      const m = output.slice(from).match(pattern);
      if (m) return m;
      if (Date.now() >= deadline) break;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now())),
      ]);
      if (chunk === null || chunk.done) break;
      output += chunk.value;
    }
    throw new Error(`no ${pattern} in output:\n${output}`);
  };
  const port = Number((await waitFor(/MobiMaint on https?:\/\/localhost:(\d+)/))[1]);
  return {
    child,
    port,
    waitFor,
    /** Length of the output read so far: pass to waitFor to look only at what comes next. */
    mark: () => output.length,
    /** SIGTERM and the exit code; then cleans up. */
    stop: async (): Promise<number> => {
      let code = -1;
      try {
        child.kill("SIGTERM");
        code = (await child.status).code;
      } catch {
        /* already exited */
      }
      await reader.cancel().catch(() => {});
      await Deno.remove(dataDir, { recursive: true });
      return code;
    },
  };
}

Deno.test("SIGHUP: main.ts serves a renewed certificate without a restart, and keeps the old one if the new files are bad", async () => {
  const certs = await makeTestCertificates();
  const main = await spawnMain({ MOBIMAINT_TLS_CERT: certs.certPath, MOBIMAINT_TLS_KEY: certs.keyPath });
  try {
    const { port } = main;
    const original = certs.serialNumber;
    assert.equal(await servedSerial(port, certs.caPem), original);

    const renewed = await certs.reissue();
    assert.notEqual(renewed.serialNumber, original);
    assert.equal(await servedSerial(port, certs.caPem), original, "nothing changes before the signal");
    main.child.kill("SIGHUP");
    await main.waitFor(/"event":"tls-reloaded"/);
    assert.equal(await servedSerial(port, certs.caPem), renewed.serialNumber);

    // A broken renewal (key of another certificate) is refused; the working certificate stays.
    const other = await makeTestCertificates();
    await Deno.copyFile(other.keyPath, certs.keyPath);
    main.child.kill("SIGHUP");
    await main.waitFor(/"event":"tls-reload-failed"/);
    assert.equal(await servedSerial(port, certs.caPem), renewed.serialNumber);
    await Deno.remove(other.dir, { recursive: true });
  } finally {
    assert.equal(await main.stop(), 0);
    await Deno.remove(certs.dir, { recursive: true });
  }
});

Deno.test("logs name the real client address only behind a trusted proxy", async () => {
  for (const [trust, expected] of [["0", "127.0.0.1"], ["1", "203.0.113.9"]]) {
    const main = await spawnMain({ MOBIMAINT_TRUST_PROXY: trust });
    try {
      const from = main.mark();
      const r = await nodeRequest(`http://127.0.0.1:${main.port}/login`, {
        method: "POST",
        body: { username: "user1", password: "P" },
        headers: { "x-forwarded-for": "203.0.113.9" },
      });
      assert.equal(r.status, 200);
      const line = (await main.waitFor(/\{[^\n]*"event":"login"[^\n]*\}/, from))[0];
      assert.equal(JSON.parse(line).ip, expected, `MOBIMAINT_TRUST_PROXY=${trust}`);
    } finally {
      assert.equal(await main.stop(), 0);
    }
  }
});
