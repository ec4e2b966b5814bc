/**
 * The `mobimaint` CLI's accounts, run for real against a real server: login, token sources and
 * logout; the users and experts tables; add, passwd and remove.
 */
import assert from "node:assert/strict";
import { assertExit, blocks, cliHome, cliLogin, parseTable } from "./helpers/cli.ts";
import { ADMIN_PASSWORD, api, login, startTestServer } from "./helpers/server.ts";

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
