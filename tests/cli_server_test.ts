/**
 * The `mobimaint` CLI and the server it talks to, run for real: health as a table and JSON, and the
 * exit codes when the server is unhealthy, down, silent, not MobiMaint, or behind a private CA.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { VERSION } from "../fresh.config.ts";
import { assertExit, cliHome, cliLogin } from "./helpers/cli.ts";
import { ADMIN_PASSWORD, api, startTestServer } from "./helpers/server.ts";
import { makeTestCertificates } from "./helpers/tls.ts";

Deno.test("cli: health table and --json; exit 1 when unhealthy, 3 when the server is down", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  const url = ["--server", server.url];
  let closed = false;
  try {
    const table = await cli.run([...url, "health"]);
    assertExit(table, 0);
    const fields = Object.fromEntries(table.stdout.trim().split("\n").map((l) => l.split(/ {2,}/)));
    assert.equal(fields["Server"], server.url);
    assert.equal(fields["Status"], "healthy");
    assert.equal(fields["Version"], VERSION);
    assert.match(fields["Uptime"], /^\d+s$/);
    assert.equal(fields["Connections"], "0");
    assert.equal(fields["Store"], "kv (ok)");

    const json = await cli.run([...url, "health", "--json"]);
    assertExit(json, 0);
    const body = JSON.parse(json.stdout);
    const direct = (await api(server.url, "GET", "/health")).body;
    assert.deepEqual(Object.keys(body).sort(), Object.keys(direct).sort());
    assert.equal(body.status, "healthy");
    assert.deepEqual(body.store, { kind: "kv", status: "ok" });

    await cliLogin(cli, server.url, "admin", ADMIN_PASSWORD);
    // MOBIMAINT_URL selects the server when --server is absent.
    assertExit(await cli.run(["health"], { env: { MOBIMAINT_URL: server.url } }), 0);

    // A store that fails its ping makes the server unhealthy (503): the CLI prints it and exits 1.
    server.deps.store.close();
    const sick = await cli.run([...url, "health"]);
    assertExit(sick, 1, /is unhealthy \(store unreachable\)/);
    assert.match(sick.stdout, /Status +unhealthy/);
    const sickJson = await cli.run([...url, "health", "--json"]);
    assertExit(sickJson, 1);
    assert.equal(JSON.parse(sickJson.stdout).status, "unhealthy");
  } finally {
    await server.close().catch(() => {}); // the store was closed above on purpose
    closed = true;
  }
  assert.ok(closed);
  const down = await cli.run([...url, "health"]);
  assertExit(down, 3, new RegExp(`Cannot reach server ${server.url}: connection refused`));
  assertExit(await cli.run([...url, "--token", "t", "calls"]), 3, /connection refused/);
  assertExit(await cli.run(["calls"]), 3, /connection refused/); // the saved login's server
  // logout forgets the saved login even when the server cannot be told, and says so.
  assertExit(await cli.run(["logout"]), 3, /connection refused; the token was not revoked/);
  await assert.rejects(Deno.stat(`${cli.configDir}/credentials.json`), Deno.errors.NotFound);
});

Deno.test("cli: a server that never answers exits 3 after --timeout; a server that is not MobiMaint exits 1", async () => {
  const cli = await cliHome();
  // Accepts connections and never answers.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  // Some other web server: answers every request with an HTML page.
  const html = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<html></html>")
  );
  await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
  try {
    const started = Date.now();
    const r = await cli.run([
      "--server",
      `http://127.0.0.1:${silent.addr.port}`,
      "--timeout",
      "0.5",
      "health",
    ]);
    assertExit(r, 3, /did not answer within 0\.5 s/);
    assert.ok(Date.now() - started < 10_000);

    const port = (html.address() as AddressInfo).port;
    const other = await cli.run(["--server", `http://127.0.0.1:${port}`, "health"]);
    assertExit(other, 1, /Unexpected response .* \(HTTP 200\): is this a MobiMaint server\?/);
  } finally {
    silent.close();
    await accepting.catch(() => {});
    for (const c of held) c.close();
    html.closeAllConnections();
    await new Promise((resolve) => html.close(resolve));
  }
});

Deno.test("cli: https:// with a private CA: refused until trusted with --ca-cert or MOBIMAINT_CA_CERT", async () => {
  const certs = await makeTestCertificates();
  const server = await startTestServer({
    MOBIMAINT_TLS_CERT: certs.certPath,
    MOBIMAINT_TLS_KEY: certs.keyPath,
  });
  const cli = await cliHome();
  const url = ["--server", server.url];
  try {
    assert.match(server.url, /^https:\/\//);
    assertExit(await cli.run([...url, "health"]), 3, /TLS error: .*use --ca-cert or MOBIMAINT_CA_CERT/);
    assertExit(await cli.run([...url, "--ca-cert", certs.caPath, "health"]), 0);
    assertExit(
      await cli.run([...url, "--ca-cert", `${certs.dir}/missing.crt`, "health"]),
      2,
      /Cannot read the CA/,
    );

    const env = { MOBIMAINT_CA_CERT: certs.caPath };
    const login = await cli.run([...url, "login", "-u", "admin", "--password-stdin"], {
      env,
      stdin: ADMIN_PASSWORD + "\n",
    });
    assertExit(login, 0);
    const users = await cli.run(["users"], { env });
    assertExit(users, 0);
    assert.match(users.stdout, /^USERNAME +ROLE/);
  } finally {
    await server.close();
  }
});
