/** `mobimaint metrics` run for real against a server during a call. */
import assert from "node:assert/strict";
import { startActiveCall } from "./helpers/calls.ts";
import { cliHome } from "./helpers/cli.ts";
import { login, startTestServer } from "./helpers/server.ts";
import { assertRoundTrip, connect, send } from "./helpers/sockets.ts";

const TOKEN = "cli-metrics-token-0123456789";

Deno.test("cli metrics: the summary of a live call; wrong or missing token and metrics off", async (t) => {
  const server = await startTestServer({ MOBIMAINT_METRICS_TOKEN: TOKEN });
  const off = await startTestServer();
  const cli = await cliHome();
  const tech = await login(server.url, "user1", "P");
  const expert = await login(server.url, "user2", "P");
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  try {
    const callId = await startActiveCall(server.url, tech.token, techSocket, expertSocket, expert.userId);
    await assertRoundTrip(
      { socket: techSocket, userId: tech.userId },
      { socket: expertSocket, userId: expert.userId },
      callId,
    );
    assert.equal((await send(techSocket, "join-call", { callId: "no-such-call" })).ok, false);

    await t.step("table from the environment's token", async () => {
      const r = await cli.run(["metrics", "--server", server.url], {
        env: { MOBIMAINT_METRICS_TOKEN: TOKEN },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Node\\s+${Deno.hostname()}:${server.port}`));
      assert.match(r.stdout, /Connections\s+2\n/);
      assert.match(r.stdout, /Calls\s+1 active, 0 ringing, 0 pending/);
      assert.match(r.stdout, /Rings\s+accepted 1/);
      assert.match(r.stdout, /Socket events\s+\d+ \(1 refused: NOT_FOUND 1\)/);
      assert.match(r.stdout, /Relayed\s+2\n/);
      assert.match(r.stdout, /Snapshots\s+0 \(0\.0 MiB, 0 calls\)/);
      assert.match(r.stdout, /p95 relay\s+\d+(\.\d+)? ms/);
      assert.match(r.stdout, /p95 store op\s+\d+(\.\d+)? ms/);
    });

    await t.step("--json with --metrics-token", async () => {
      const r = await cli.run(["metrics", "--server", server.url, "--json", "--metrics-token", TOKEN]);
      assert.equal(r.code, 0, r.stderr);
      const m = JSON.parse(r.stdout);
      assert.deepEqual(m.calls, { active: 1, ringing: 0, pending: 0 });
      assert.equal(m.relayed, 2);
      assert.deepEqual(m.snapshots, { images: 0, bytes: 0, calls: 0 });
      assert.deepEqual(m.socketErrors, { NOT_FOUND: 1 });
      assert.ok(m.p95Ms.socketEvent > 0);
    });

    await t.step("wrong token: exit 4; no token: exit 4; metrics off: exit 1", async () => {
      const wrong = await cli.run([
        "metrics",
        "--server",
        server.url,
        "--metrics-token",
        "wrong-token-0123456789",
      ]);
      assert.equal(wrong.code, 4);
      assert.match(wrong.stderr, /^error: A valid metrics token is required \(UNAUTHORIZED\)/);
      const none = await cli.run(["metrics", "--server", server.url]);
      assert.equal(none.code, 4);
      assert.match(none.stderr, /No metrics token/);
      const disabled = await cli.run(["metrics", "--server", off.url], {
        env: { MOBIMAINT_METRICS_TOKEN: TOKEN },
      });
      assert.equal(disabled.code, 1);
      assert.match(disabled.stderr, /Metrics are off/);
    });
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
    await off.close();
  }
});
