/**
 * The `mobimaint` CLI's calls commands (list, show, end), run for real against a real server, on
 * calls created through REST and on a call made through the signaling server.
 */
import assert from "node:assert/strict";
import { acceptAsOldClient } from "./helpers/calls.ts";
import { assertExit, blocks, cliHome, cliLogin, parseTable } from "./helpers/cli.ts";
import { ADMIN_PASSWORD, api, login, loginAll, startTestServer } from "./helpers/server.ts";
import { connect, next, send, type Sent } from "./helpers/sockets.ts";

Deno.test("cli: calls list, show and end on REST-created calls", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  try {
    await cliLogin(cli, server.url, "admin", ADMIN_PASSWORD);
    const empty = await cli.run(["calls"]);
    assertExit(empty, 0);
    assert.equal(empty.stdout.trim(), "No calls.");

    const tech = await login(server.url, "user1", "P");
    const create = () => api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} });
    const first = (await create()).body.callId as string;
    const second = (await create()).body.callId as string;

    const list = await cli.run(["calls"]);
    assertExit(list, 0);
    const [table, footer] = blocks(list.stdout);
    const rows = parseTable(table);
    assert.deepEqual(Object.keys(rows[0]), [
      "ID",
      "STATUS",
      "PARTICIPANTS",
      "STARTED",
      "DURATION",
      "ANNOTATIONS",
    ]);
    assert.deepEqual(rows.map((r) => r.ID).sort(), [first, second].sort());
    for (const r of rows) {
      assert.equal(r.STATUS, "pending");
      assert.equal(r.PARTICIPANTS, "user1", "user ids are shown as usernames");
      assert.match(r.STARTED, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(r.DURATION, "-");
      assert.equal(r.ANNOTATIONS, "0");
    }
    assert.equal(footer, "2 call(s)");
    const listJson = await cli.run(["calls", "list", "--json"]);
    assertExit(listJson, 0);
    const adminToken = JSON.parse(await Deno.readTextFile(`${cli.configDir}/credentials.json`)).token;
    assert.deepEqual(
      JSON.parse(listJson.stdout),
      (await api(server.url, "GET", "/api/calls", { token: adminToken })).body,
    );

    const show = await cli.run(["calls", "show", first]);
    assertExit(show, 0);
    const sections = blocks(show.stdout);
    assert.equal(sections[0].split("\n")[0], `Call ${first}`);
    assert.match(sections[0], /Status +pending/);
    assert.match(sections[0], /Created +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d by user1/);
    assert.match(
      sections[1],
      /^Participants \(1\)\nUSER +ROLE +JOINED +LEFT +IN CALL\nuser1 +Technician +- +- +no$/,
    );
    assert.match(sections[2], /^Timeline \(1\)\n/);
    assert.deepEqual(parseTable(sections[2].split("\n").slice(1).join("\n")).map((r) => [r.EVENT, r.USER]), [
      ["created", "user1"],
    ]);
    assert.equal(sections[3], "Annotations (0)\nnone");
    assert.equal(sections[4], "Chat (0)\nnone");

    const end = await cli.run(["calls", "end", first, "--reason", "stuck call"]);
    assertExit(end, 0);
    assert.equal(end.stdout.trim(), `Call ${first} ended.`);
    const shown = await cli.run(["--json", "calls", "show", first]);
    assertExit(shown, 0);
    const detail = JSON.parse(shown.stdout);
    assert.deepEqual(
      detail,
      (await api(server.url, "GET", `/api/calls/${first}`, { token: adminToken })).body,
    );
    assert.equal(detail.status, "ended");
    assert.equal(detail.endReason, "stuck call");
    const afterEnd = await cli.run(["calls", "show", first]);
    assert.match(afterEnd.stdout, /Status +ended \(stuck call\)/);
    assert.match(afterEnd.stdout, /ended +admin +stuck call/);

    const endJson = await cli.run(["--json", "calls", "end", second]);
    assertExit(endJson, 0);
    assert.deepEqual(JSON.parse(endJson.stdout), { ok: true });
    assert.equal(
      (await api(server.url, "GET", `/api/calls/${second}`, { token: adminToken })).body.endReason,
      "ended-by-admin",
    );

    assertExit(await cli.run(["calls", "end", first]), 1, /Call already ended \(CONFLICT\)/);
    assertExit(await cli.run(["calls", "show", "call_nope"]), 1, /Call call_nope not found \(NOT_FOUND\)/);
    // A participant may see their own call; others may not, and only an Admin lists calls.
    const techRun = (args: string[]) => cli.run(args, { env: { MOBIMAINT_TOKEN: tech.token } });
    assertExit(await techRun(["calls", "show", first]), 0);
    assertExit(await techRun(["calls"]), 1, /Requires role Admin \(FORBIDDEN\)/);
    const expert = await login(server.url, "user3", "p3");
    assertExit(
      await cli.run(["calls", "show", first], { env: { MOBIMAINT_TOKEN: expert.token } }),
      1,
      /Only participants can see this call \(FORBIDDEN\)/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("cli: calls list, show and end on a call made through the signaling server", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  const { tech, expert } = await loginAll(server.url);
  const techSocket = await connect(server.url, tech.token);
  const expertSocket = await connect(server.url, expert.token);
  try {
    await cliLogin(cli, server.url, "admin", ADMIN_PASSWORD);

    // Presence as the CLI shows it: both online, the expert available; two socket connections.
    const health = await cli.run(["health"]);
    assert.match(health.stdout, /Connections +2\n/);
    assert.match(health.stdout, /Online users +2\n/);
    const before = parseTable(blocks((await cli.run(["experts"])).stdout)[0]);
    assert.deepEqual(before.find((r) => r.USERNAME === "user2"), {
      USERNAME: "user2",
      STATUS: "online",
      AVAILABILITY: "available",
    });

    // The technician creates a call and rings the expert, who accepts; both join.
    const callId = (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body
      .callId as string;
    const ring = next(expertSocket, "call-request");
    assert.equal(
      (await send(techSocket, "call-request", { callId, from: tech.userId, to: expert.userId })).ok,
      true,
    );
    await ring;
    const ringing = parseTable(blocks((await cli.run(["calls"])).stdout)[0]);
    assert.equal(ringing[0].STATUS, "pending");
    const shown = (await cli.run(["calls", "show", callId])).stdout;
    assert.match(shown, /Ringing +user2/);
    assert.match(shown, /Rung +user2 \(ringing\)/);

    const accepted = next(techSocket, "call-response");
    const ack = await acceptAsOldClient(expertSocket, callId, expert.userId, tech.userId);
    assert.equal(ack.ok, true);
    await accepted;
    assert.equal(
      (await send(techSocket, "join-call", { callId, userId: tech.userId, role: "Technician" })).ok,
      true,
    );

    // The expert draws, both chat.
    const pin: Sent<"annotation"> = {
      callId,
      id: "ann-pin",
      text: "Open this valve",
      x: 0.25,
      y: 0.5,
      kind: "pin",
    };
    const stroke: Sent<"annotation"> = {
      callId,
      id: "ann-stroke",
      text: "",
      x: 0.1,
      y: 0.1,
      kind: "stroke",
      points: [[0.1, 0.1], [0.2, 0.15], [0.3, 0.2]],
      color: "#ff0000",
    };
    for (const a of [pin, stroke]) assert.equal((await send(expertSocket, "annotation", a)).ok, true);
    assert.equal((await send(techSocket, "chat", { callId, id: "m1", text: "Which valve?" })).ok, true);
    assert.equal(
      (await send(expertSocket, "chat", { callId, id: "m2", text: "The red one, left side" })).ok,
      true,
    );

    // calls: the active call with both participants and its annotation count, beside a newer empty call.
    await new Promise((r) => setTimeout(r, 5)); // a distinct createdAt, so the order is certain
    const other =
      (await api(server.url, "POST", "/api/create-call", { token: tech.token, body: {} })).body.callId;
    const list = await cli.run(["calls"]);
    assertExit(list, 0);
    const [newest, row] = parseTable(blocks(list.stdout)[0]);
    assert.deepEqual([newest.ID, newest.STATUS, newest.ANNOTATIONS], [other, "pending", "0"]);
    assert.equal(row.ID, callId);
    assert.equal(row.STATUS, "active");
    assert.equal(row.PARTICIPANTS, "user1, user2");
    assert.match(row.DURATION, /^\d+s$/);
    assert.equal(row.ANNOTATIONS, "2");
    const busy = parseTable(blocks((await cli.run(["experts"])).stdout)[0]);
    assert.equal(busy.find((r) => r.USERNAME === "user2")?.AVAILABILITY, "busy");

    // calls show: timeline, annotations and chat.
    const show = await cli.run(["calls", "show", callId]);
    assertExit(show, 0);
    const sections = blocks(show.stdout);
    assert.match(sections[0], /Status +active\n/);
    assert.match(sections[0], /Started +\d{4}-/);
    const body = (s: string) => s.split("\n").slice(1).join("\n");
    assert.deepEqual(
      parseTable(body(sections[1])).map((p) => [p.USER, p.ROLE, p["IN CALL"]]),
      [["user1", "Technician", "yes"], ["user2", "Expert", "yes"]],
    );
    assert.deepEqual(
      parseTable(body(sections[2])).map((e) => [e.EVENT, e.USER]),
      [["created", "user1"], ["ringing", "user2"], ["accepted", "user2"], ["joined", "user1"]],
    );
    assert.match(sections[3], /^Annotations \(2\)/);
    assert.deepEqual(parseTable(body(sections[3])), [
      { ID: "ann-pin", KIND: "pin", TEXT: "Open this valve", AT: "0.25, 0.5", BY: "user2" },
      { ID: "ann-stroke", KIND: "stroke", TEXT: "", AT: "3 points", BY: "user2" },
    ]);
    assert.match(sections[4], /^Chat \(2\)/);
    assert.deepEqual(parseTable(body(sections[4])).map((m) => [m.FROM, m.MESSAGE]), [
      ["user1", "Which valve?"],
      ["user2", "The red one, left side"],
    ]);
    const json = JSON.parse((await cli.run(["--json", "calls", "show", callId])).stdout);
    assert.deepEqual(json.annotations.map((a: { id: string }) => a.id), ["ann-pin", "ann-stroke"]);
    assert.deepEqual(json.chat.map((m: { text: string }) => m.text), [
      "Which valve?",
      "The red one, left side",
    ]);

    // calls end: both participants are told, with the reason; the call is over.
    const techTold = next(techSocket, "call-ended");
    const expertTold = next(expertSocket, "call-ended");
    const end = await cli.run(["calls", "end", callId, "--reason", "site closed"]);
    assertExit(end, 0);
    for (const told of [await techTold, await expertTold]) {
      assert.equal(told.callId, callId);
      assert.equal(told.reason, "site closed");
    }
    const after = await cli.run(["calls", "show", callId]);
    assert.match(after.stdout, /Status +ended \(site closed\)/);
    assert.match(after.stdout, /Duration +\d+s\n/);
    assert.match(after.stdout, /ended +admin +site closed/);
    assert.doesNotMatch(body(blocks(after.stdout)[1]), / yes$/m, "nobody is left in the call");
    const free = parseTable(blocks((await cli.run(["experts"])).stdout)[0]);
    assert.equal(free.find((r) => r.USERNAME === "user2")?.AVAILABILITY, "available");
  } finally {
    techSocket.close();
    expertSocket.close();
    await server.close();
  }
});
