/**
 * `mobimaint`: the operator CLI. Run from the repo with `deno task cli <args>`
 * or build a binary with `deno task compile`. Every failure ends as one line
 * on stderr and an exit code from errors.ts.
 */
import { CommanderError } from "commander";
import { CliError, EXIT } from "./errors.ts";
import { buildProgram } from "./program.ts";

export async function run(args: string[]): Promise<number> {
  // `deno task cli -- health` passes the "--" through; it is not meant for commander.
  if (args[0] === "--") args = args.slice(1);
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed help, the version or its one-line usage error.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof CliError) {
      console.error(`error: ${e.message}`);
      return e.exitCode;
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.FAILURE;
  }
}

if (import.meta.main) Deno.exit(await run(Deno.args));
