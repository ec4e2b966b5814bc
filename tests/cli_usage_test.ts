/**
 * The `mobimaint` CLI's usage, run for real (a subprocess with a temp HOME): --help and --version,
 * usage errors, and on a pseudo-terminal: prompted passwords without echo, colour unless NO_COLOR.
 */
import assert from "node:assert/strict";
import { VERSION } from "../fresh.config.ts";
import { ANSI, assertExit, cliHome } from "./helpers/cli.ts";
import { ADMIN_PASSWORD, login, startTestServer } from "./helpers/server.ts";

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
