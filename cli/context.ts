/** What every command needs, built from the global options: the target server, a client and the output. */
import type { Command } from "commander";
import { ApiClient } from "./client.ts";
import { resolveTarget, type Target } from "./config.ts";
import { usageError } from "./errors.ts";
import { colorWanted, Output } from "./output.ts";

export interface GlobalOptions {
  server?: string;
  token?: string;
  json?: boolean;
  color: boolean;
  timeout: number;
  caCert?: string;
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
    client: await clientFor(target, opts),
    out: new Output(!!opts.json, colorWanted(opts.color)),
  };
}

/** A client for `target` with the global --timeout and --ca-cert (or MOBIMAINT_CA_CERT). */
export async function clientFor(target: Target, opts: GlobalOptions): Promise<ApiClient> {
  const caFile = opts.caCert || Deno.env.get("MOBIMAINT_CA_CERT");
  let caPem: string | undefined;
  if (caFile) {
    try {
      caPem = await Deno.readTextFile(caFile);
    } catch (e) {
      throw usageError(`Cannot read the CA certificate ${caFile}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return new ApiClient(target, { timeoutMs: opts.timeout * 1000, caPem });
}

/** Help text listing examples, appended after a command's options. */
export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
