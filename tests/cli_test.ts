/**
 * The `mobimaint` CLI run for real: a subprocess (`deno run cli/main.ts`)
 * against a real server on an ephemeral port, with a temp HOME.
 */
import assert from "node:assert/strict";
import { acceptAsOldClient } from "./helpers/calls.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { VERSION } from "../fresh.config.ts";
import { blocks, cliHome, type CliResult, parseTable } from "./helpers/cli.ts";
import { ADMIN_PASSWORD, api, login, loginAll, startTestServer } from "./helpers/server.ts";
import { connect, next, send, type Sent } from "./helpers/sockets.ts";
import { makeTestCertificates } from "./helpers/tls.ts";

const ANSI = new RegExp(String.fromCharCode(27) + "\\[");

/** Asserts the exit code and, for failures, exactly one "error: ..." line on stderr. */
function assertExit(r: CliResult, code: number, stderrPattern?: RegExp) {
  const context = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.code, code, context);
  if (code !== 0) {
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line on stderr\n${context}`);
    assert.match(lines[0], /^error: /, context);
  }
  if (stderrPattern) assert.match(r.stderr, stderrPattern, context);
  assert.doesNotMatch(r.stdout + r.stderr, ANSI, "no colour when stdout is not a terminal");
}

/** Logs `username` in through the CLI (password on stdin) so later runs use the saved token. */
async function cliLogin(
  cli: Awaited<ReturnType<typeof cliHome>>,
  server: string,
  username: string,
  pw: string,
) {
  const r = await cli.run(["login", "--server", server, "-u", username, "--password-stdin"], {
    stdin: pw + "\n",
  });
  assertExit(r, 0);
  return r;
}

Deno.test("cli: --help on every command shows usage and examples; usage errors exit 2", async (t) => {
  const cli = await cliHome();
  const commands = [
    [],
    ["health"],
    ["metrics"],
    ["calls"],
    ["calls", "list"],
    ["calls", "show"],
    ["calls", "end"],
    ["users"],
    ["users", "list"],
    ["users", "add"],
    ["users", "remove"],
    ["users", "passwd"],
    ["experts"],
    ["login"],
    ["logout"],
  ];
  await t.step("--help", async () => {
    for (const cmd of commands) {
      const r = await cli.run([...cmd, "--help"]);
      assertExit(r, 0);
      assert.match(r.stdout, new RegExp(`^Usage: mobimaint ${cmd.join(" ")}`), cmd.join(" "));
      assert.match(r.stdout, /\nExamples:\n {2}\$ mobimaint /, `examples in help of "${cmd.join(" ")}"`);
      assert.match(r.stdout, /--server <url>/, "global options are listed");
    }
    const top = await cli.run(["--help"]);
    for (const code of ["0", "1", "2", "3", "4"]) {
      assert.match(top.stdout, new RegExp(`\\n {2}${code} {2}\\S`));
    }
    assert.match(top.stdout, /MOBIMAINT_URL/);
    const helpCmd = await cli.run(["help", "calls"]);
    assertExit(helpCmd, 0);
    assert.match(helpCmd.stdout, /^Usage: mobimaint calls/);
  });

  await t.step("--version", async () => {
    const r = await cli.run(["--version"]);
    assertExit(r, 0);
    assert.equal(r.stdout.trim(), VERSION);
  });

  await t.step("usage errors exit 2 with one line on stderr", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["health", "--bogus"], /unknown option '--bogus'/],
      [["calls", "show"], /missing required argument 'id'/],
      [["users", "add", "alice"], /required option '-r, --role <role>' not specified/],
      [["users", "add", "alice", "--role", "Boss"], /Role must be one of Technician, Expert, Admin/],
      [["calls", "end", "a", "b"], /too many arguments/],
      [["--timeout", "soon", "health"], /positive number of seconds/],
      [["--server", "not a url", "health"], /Invalid server URL "not a url"/],
      [["--server", "ftp://example.test", "health"], /use http:\/\/ or https:\/\//],
      // stdin is not a terminal here, so the password cannot be prompted for.
      [["--token", "x", "users", "add", "alice", "--role", "Expert"], /use --password-stdin/],
      [["login"], /stdin is not a terminal: give the username/],
    ];
    for (const [args, pattern] of cases) assertExit(await cli.run(args), 2, pattern);
    const bare = await cli.run([]);
    assert.equal(bare.code, 2, "no command: help on stderr, usage exit code");
    assert.match(bare.stderr, /^Usage: mobimaint/);
  });
});

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

Deno.test("cli: login saves a 0600 token, token sources, bad token exits 4, logout revokes", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  try {
    // Not logged in at all.
    assertExit(await cli.run(["--server", server.url, "users"]), 4, /Not logged in to .*mobimaint login/);

    const wrong = await cli.run(["login", "--server", server.url, "-u", "admin", "--password-stdin"], {
      stdin: "wrong\n",
    });
    assertExit(wrong, 4, /Invalid username or password/);

    const ok = await cliLogin(cli, server.url, "admin", ADMIN_PASSWORD);
    assert.match(ok.stdout, new RegExp(`Logged in to ${server.url} as admin \\(Admin\\)`));
    const file = `${cli.configDir}/credentials.json`;
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, "token file is owner-only");
    assert.equal((await Deno.stat(cli.configDir)).mode! & 0o777, 0o700, "config dir is owner-only");
    const saved = JSON.parse(await Deno.readTextFile(file));
    assert.equal(saved.server, server.url);
    assert.equal(saved.username, "admin");
    assert.doesNotMatch(ok.stdout + ok.stderr, new RegExp(saved.token), "the token is never printed");

    // The saved login supplies both the server and the token.
    assertExit(await cli.run(["users"]), 0);
    // A saved token is only sent to the server it came from.
    const other = await cli.run(["--server", "http://127.0.0.1:9", "users"]);
    assertExit(other, 4, /Not logged in to http:\/\/127\.0\.0\.1:9/);

    // --token and MOBIMAINT_TOKEN override the saved token; the flag wins over the environment.
    const tech = await login(server.url, "user1", "P");
    const asTech = await cli.run(["users"], { env: { MOBIMAINT_TOKEN: tech.token } });
    assertExit(asTech, 1, /Requires role Admin \(FORBIDDEN\)/);
    const flagWins = await cli.run(["--token", saved.token, "users"], {
      env: { MOBIMAINT_TOKEN: tech.token },
    });
    assertExit(flagWins, 0);
    assertExit(await cli.run(["--token", "not-a-token", "users"]), 4, /Invalid token \(UNAUTHORIZED\)/);
    assertExit(await cli.run(["calls"], { env: { MOBIMAINT_TOKEN: "bad" } }), 4, /UNAUTHORIZED/);

    // --json login output is the API's answer without the token.
    const cli2 = await cliHome();
    const j = await cli2.run(["--json", "login", "--server", server.url, "-u", "user2", "--password-stdin"], {
      stdin: "P\n",
    });
    assertExit(j, 0);
    const loginJson = JSON.parse(j.stdout);
    assert.equal(loginJson.role, "Expert");
    assert.equal(loginJson.message, "Login successful");
    assert.equal(loginJson.token, undefined);

    // logout revokes the token on the server and removes the file.
    const out = await cli.run(["logout"]);
    assertExit(out, 0);
    assert.match(out.stdout, /Logged out of/);
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
    assert.equal((await api(server.url, "GET", "/api/users/status", { token: saved.token })).status, 401);
    assertExit(await cli.run(["--server", server.url, "--token", saved.token, "users"]), 4, /UNAUTHORIZED/);
    const again = await cli.run(["--server", server.url, "logout"]);
    assertExit(again, 0);
    assert.match(again.stdout, /Not logged in/);
  } finally {
    await server.close();
  }
});

Deno.test("cli: users and experts tables and --json; add → login → passwd → remove → login fails", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  const newcomer = await cliHome();
  try {
    await cliLogin(cli, server.url, "admin", ADMIN_PASSWORD);
    const admin = JSON.parse(await Deno.readTextFile(`${cli.configDir}/credentials.json`)).token;

    const users = await cli.run(["users"]);
    assertExit(users, 0);
    const [usersTable, usersFooter] = blocks(users.stdout);
    const rows = parseTable(usersTable);
    assert.deepEqual(Object.keys(rows[0]), ["USERNAME", "ROLE", "STATUS", "AVAILABILITY"]);
    const apiUsers = (await api(server.url, "GET", "/api/users/status", { token: admin })).body;
    assert.deepEqual(
      rows,
      apiUsers.users.map((u: Record<string, string>) => ({
        USERNAME: u.username,
        ROLE: u.role,
        STATUS: u.status,
        AVAILABILITY: u.availability,
      })),
    );
    assert.equal(usersFooter, `${apiUsers.totalUsers} user(s), 0 online`);
    const usersJson = await cli.run(["users", "--json"]);
    assertExit(usersJson, 0);
    assert.deepEqual(JSON.parse(usersJson.stdout), apiUsers);

    const experts = await cli.run(["experts"]);
    assertExit(experts, 0);
    const expertRows = parseTable(blocks(experts.stdout)[0]);
    assert.deepEqual(expertRows.map((r) => r.USERNAME), ["user2", "user3", "user4", "user5", "uuser7"]);
    assert.ok(expertRows.every((r) => r.STATUS === "offline" && r.AVAILABILITY === "offline"));
    const expertsJson = await cli.run(["experts", "--json"]);
    assert.deepEqual(
      JSON.parse(expertsJson.stdout),
      (await api(server.url, "GET", "/api/experts", { token: admin })).body,
    );

    // add (role in any case) → the new user can log in with the CLI.
    const add = await cli.run(["users", "add", "alice", "--role", "expert", "--password-stdin"], {
      stdin: "first-pw\nignored second line\n",
    });
    assertExit(add, 0);
    assert.match(add.stdout, /^Created user alice \(Expert\)\.$/m);
    const addJson = await cli.run(["--json", "users", "add", "bob", "-r", "Technician", "--password-stdin"], {
      stdin: "bob-pw",
    });
    assertExit(addJson, 0);
    const bob = JSON.parse(addJson.stdout);
    assert.equal(bob.username, "bob");
    assert.equal(bob.role, "Technician");
    assert.equal(bob.passwordHash, undefined);
    assert.match(
      JSON.stringify(parseTable(blocks((await cli.run(["users"])).stdout)[0])),
      /"alice","ROLE":"Expert"/,
    );

    const aliceLogin = await cliLogin(newcomer, server.url, "alice", "first-pw");
    assert.match(aliceLogin.stdout, /as alice \(Expert\)/);
    assertExit(await newcomer.run(["experts"]), 0);
    assertExit(await newcomer.run(["users"]), 1, /Requires role Admin/);

    // passwd: the old password stops working, the new one works.
    const pw = await cli.run(["users", "passwd", "alice", "--password-stdin"], { stdin: "second-pw\n" });
    assertExit(pw, 0);
    assert.match(pw.stdout, /Password changed for alice\./);
    const oldPw = await newcomer.run(["login", "-u", "alice", "--password-stdin"], { stdin: "first-pw\n" });
    assertExit(oldPw, 4, /Invalid username or password/);
    await cliLogin(newcomer, server.url, "alice", "second-pw");

    // Failures the server reports exit 1.
    assertExit(
      await cli.run(["users", "add", "alice", "--role", "Expert", "--password-stdin"], { stdin: "x\n" }),
      1,
      /User alice already exists \(CONFLICT\)/,
    );
    assertExit(
      await cli.run(["users", "add", "bad name", "--role", "Expert", "--password-stdin"], { stdin: "x\n" }),
      1,
      /username may contain letters, digits, dot, underscore and dash \(BAD_REQUEST\)/,
    );
    assertExit(await cli.run(["users", "remove", "nobody"]), 1, /User nobody not found \(NOT_FOUND\)/);
    assertExit(await cli.run(["users", "remove", "admin"]), 1, /You cannot delete yourself/);
    assertExit(
      await cli.run(["users", "passwd", "nobody", "--password-stdin"], { stdin: "x\n" }),
      1,
      /NOT_FOUND/,
    );

    // remove → the user can no longer log in.
    const rm = await cli.run(["users", "remove", "alice"]);
    assertExit(rm, 0);
    assert.equal(rm.stdout.trim(), "Removed user alice.");
    const rmJson = await cli.run(["--json", "users", "rm", "bob"]);
    assertExit(rmJson, 0);
    assert.deepEqual(JSON.parse(rmJson.stdout), { ok: true });
    const gone = await newcomer.run(["login", "-u", "alice", "--password-stdin"], { stdin: "second-pw\n" });
    assertExit(gone, 4, /Invalid username or password/);
    assert.doesNotMatch((await cli.run(["users"])).stdout, /alice|bob/);
  } finally {
    await server.close();
  }
});

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

Deno.test("cli: on a terminal: passwords are prompted without echo, colour unless NO_COLOR", async () => {
  const server = await startTestServer();
  const cli = await cliHome();
  const url = ["--server", server.url];
  try {
    // login prompts for the username (echoed) and the password (not echoed).
    const loggedIn = await cli.runInTerminal([...url, "login"], {
      steps: [{ waitFor: "Username: ", send: "admin\r" }, {
        waitFor: "Password: ",
        send: `${ADMIN_PASSWORD}\r`,
      }],
    });
    assert.equal(loggedIn.code, 0, loggedIn.stdout);
    assert.match(loggedIn.stdout, /Username: admin\n/, "the username is echoed");
    assert.ok(!loggedIn.stdout.includes(ADMIN_PASSWORD), `the password is not echoed: ${loggedIn.stdout}`);
    assert.match(loggedIn.stdout, /Logged in to .* as admin \(Admin\)/);

    // users add asks twice; backspace edits what was typed.
    const add = await cli.runInTerminal(["users", "add", "carol", "--role", "Expert"], {
      steps: [
        { waitFor: "New password for carol: ", send: "s3cret-pwX\x7f\r" },
        { waitFor: "Repeat the password: ", send: "s3cret-pw\r" },
      ],
    });
    assert.equal(add.code, 0, add.stdout);
    assert.ok(!add.stdout.includes("s3cret"), `the password is not echoed: ${add.stdout}`);
    await login(server.url, "carol", "s3cret-pw");

    const mismatch = await cli.runInTerminal(["users", "passwd", "carol"], {
      steps: [{ waitFor: "New password", send: "one\r" }, { waitFor: "Repeat", send: "two\r" }],
    });
    assert.equal(mismatch.code, 2, mismatch.stdout);
    assert.match(mismatch.stdout, /error: The passwords do not match/);

    const interrupted = await cli.runInTerminal(["users", "passwd", "carol"], {
      steps: [{ waitFor: "New password", send: "abc\x03" }],
    });
    assert.equal(interrupted.code, 130, interrupted.stdout);

    // Colour on a terminal; none with NO_COLOR or --no-color.
    const coloured = await cli.runInTerminal(["users"]);
    assert.equal(coloured.code, 0);
    assert.match(coloured.stdout, ANSI);
    assert.match(coloured.stdout, new RegExp(`${String.fromCharCode(27)}\\[1mUSERNAME`), "bold header");
    const noColor = await cli.runInTerminal(["users"], { env: { NO_COLOR: "1" } });
    assert.equal(noColor.code, 0);
    assert.doesNotMatch(noColor.stdout, ANSI);
    assert.match(noColor.stdout, /USERNAME +ROLE/);
    const flag = await cli.runInTerminal(["--no-color", "health"]);
    assert.equal(flag.code, 0);
    assert.doesNotMatch(flag.stdout, ANSI);
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
