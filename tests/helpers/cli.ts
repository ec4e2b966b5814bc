/**
 * Runs the real `mobimaint` CLI (`deno task cli`'s command) as a subprocess with
 * its own HOME and XDG_CONFIG_HOME in a temp dir, so a saved login never
 * leaks between tests or into the developer's config.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/**
 * `deno task cli` exactly as deno.json defines it ("deno run <permissions> cli/main.ts"), so the tests
 * prove the documented task has every permission the CLI needs.
 */
const CLI_TASK: string[] = (() => {
  const task: string = JSON.parse(Deno.readTextFileSync(`${REPO}/deno.json`)).tasks.cli;
  const [deno, ...rest] = task.split(/\s+/);
  if (deno !== "deno" || !rest.includes("cli/main.ts")) throw new Error(`unexpected cli task: ${task}`);
  return rest;
})();

// The CLI runs with a temp HOME; it must keep using this Deno's cache, wherever that is.
const DENO_DIR: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output()).stdout,
  ),
).denoDir;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHome {
  home: string;
  /** Where the CLI keeps its saved login under this home. */
  configDir: string;
  run(args: string[], opts?: { env?: Record<string, string>; stdin?: string }): Promise<CliResult>;
  /** Runs the CLI on a pseudo-terminal (util-linux `script`); see runInTerminal. */
  runInTerminal(
    args: string[],
    opts?: { env?: Record<string, string>; steps?: TerminalStep[] },
  ): Promise<CliResult>;
}

/** Wait until the terminal shows `waitFor`, then type `send`. */
export interface TerminalStep {
  waitFor: string;
  send: string;
}

/** A fresh home directory; `run` starts the CLI with only PATH, HOME, XDG_CONFIG_HOME and `env`. */
export async function cliHome(): Promise<CliHome> {
  const home = await Deno.makeTempDir({ prefix: "mobimaint-cli-home-" });
  const xdg = `${home}/config`;
  const env = (extra?: Record<string, string>) => ({
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: xdg,
    DENO_DIR,
    DENO_NO_UPDATE_CHECK: "1",
    ...extra,
  });
  return {
    home,
    configDir: `${xdg}/mobimaint`,
    run: (args, opts = {}) => runCli(args, env(opts.env), opts.stdin),
    runInTerminal: (args, opts = {}) => runInTerminal(args, env(opts.env), opts.steps ?? []),
  };
}

export async function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...CLI_TASK, ...args],
    cwd: REPO,
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI with stdin and stdout on a pseudo-terminal, as an operator
 * would: `script -qfec` creates the terminal and forwards what we type. The
 * terminal merges stdout and stderr and echoes input unless the program turns
 * echo off, which is what the password prompts are tested for.
 */
export async function runInTerminal(
  args: string[],
  env: Record<string, string>,
  steps: TerminalStep[],
  timeoutMs = 20_000,
): Promise<CliResult> {
  const command = ["exec", Deno.execPath(), ...CLI_TASK, ...args].map(shellQuote).join(" ")
    .replace(/^'exec'/, "exec");
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    cwd: REPO,
    env: { ...env, TERM: "xterm" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let screen = "";
  let changed: () => void = () => {};
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      screen += decoder.decode(chunk, { stream: true });
      changed();
    }
  })();
  const errText = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const deadline = Date.now() + timeoutMs;
  try {
    for (const step of steps) {
      while (!screen.includes(step.waitFor)) {
        if (Date.now() > deadline) {
          throw new Error(`terminal never showed ${JSON.stringify(step.waitFor)}: ${screen}`);
        }
        await new Promise<void>((resolve) => {
          changed = resolve;
          setTimeout(resolve, 100);
        });
      }
      await writer.write(new TextEncoder().encode(step.send));
    }
    const timer = setTimeout(() => child.kill(), Math.max(0, deadline - Date.now()));
    const status = await child.status;
    clearTimeout(timer);
    await reading;
    return { code: status.code, stdout: screen.replaceAll("\r\n", "\n"), stderr: await errText };
  } catch (e) {
    child.kill();
    await child.status;
    await reading;
    throw e;
  } finally {
    await writer.close().catch(() => {});
  }
}

/**
 * Parses an aligned CLI table by the columns of its header line: each cell is
 * the text under its header, so a misaligned table yields wrong cells.
 * Returns one object per row, keyed by header.
 */
export function parseTable(text: string): Record<string, string>[] {
  const [header, ...lines] = text.split("\n").filter((l) => l.trim() !== "");
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  return lines.map((line) =>
    Object.fromEntries(columns.map((c, i) => [c.name, line.slice(c.start, columns[i + 1]?.start).trim()]))
  );
}

/** Splits CLI output into blank-line separated blocks (a table, a footer, a section). */
export const blocks = (text: string) => text.trim().split(/\n\s*\n/);

/** An ANSI escape sequence (colour, bold): absent unless the CLI writes to a terminal. */
export const ANSI = new RegExp(String.fromCharCode(27) + "\\[");

/** Asserts the exit code and, for failures, exactly one "error: ..." line on stderr. */
export function assertExit(r: CliResult, code: number, stderrPattern?: RegExp) {
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
export async function cliLogin(
  cli: CliHome,
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
