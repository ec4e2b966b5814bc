/**
 * Runs the real `mobimaint` CLI (`deno run cli/main.ts`) as a subprocess with
 * its own HOME and XDG_CONFIG_HOME in a temp dir, so a saved login never
 * leaks between tests or into the developer's config.
 */
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

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
}

/** A fresh home directory; `run` starts the CLI with only PATH, HOME, XDG_CONFIG_HOME and `env`. */
export async function cliHome(): Promise<CliHome> {
  const home = await Deno.makeTempDir({ prefix: "mobimaint-cli-home-" });
  const xdg = `${home}/config`;
  return {
    home,
    configDir: `${xdg}/mobimaint`,
    run: (args, opts = {}) =>
      runCli(args, {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: home,
        XDG_CONFIG_HOME: xdg,
        DENO_DIR,
        DENO_NO_UPDATE_CHECK: "1",
        ...opts.env,
      }, opts.stdin),
  };
}

export async function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
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
