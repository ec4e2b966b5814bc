/** What every command needs, built from the global options: the target server, a client and the output. */
import type { Command } from "commander";
import { ApiClient } from "./client.ts";
import { resolveTarget, type Target } from "./config.ts";
import { colorWanted, Output } from "./output.ts";

export interface GlobalOptions {
  server?: string;
  token?: string;
  json?: boolean;
  color: boolean;
  timeout: number;
}

export interface Context {
  target: Target;
  client: ApiClient;
  out: Output;
}

export async function contextOf(cmd: Command): Promise<Context> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const target = await resolveTarget(opts);
  return {
    target,
    client: new ApiClient(target, opts.timeout * 1000),
    out: new Output(!!opts.json, colorWanted(opts.color)),
  };
}

/** Help text listing examples, appended after a command's options. */
export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
