/** Starts bench/compat/crowd.ts processes: old clients that are connected, then held, outside the measuring process. */
import { serverV8Arg } from "../../server/runtime_flags.ts";
import type { CompatUser } from "./workload.ts";

export interface CompatCrowd {
  /** Connects every client; resolves with the time the process took (ms). */
  connect(): Promise<number>;
  /** Disconnects every client and ends the process. */
  stop(): Promise<void>;
}

export async function startCompatCrowd(
  url: string,
  users: CompatUser[],
  width: number,
): Promise<CompatCrowd> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify({ url, users, width }));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", serverV8Arg, new URL("./crowd.ts", import.meta.url).pathname, file],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const line = async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the crowd process ended early");
      buffered += value;
    }
    const i = buffered.indexOf("\n");
    const l = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    return l;
  };
  if (await line() !== "ready") throw new Error("the crowd process did not start");
  const stdin = child.stdin.getWriter();
  return {
    connect: async () => {
      await stdin.write(new TextEncoder().encode("go\n"));
      return (JSON.parse(await line()) as { totalMs: number }).totalMs;
    },
    stop: async () => {
      await stdin.close();
      await lines.cancel().catch(() => {});
      await child.status;
      await Deno.remove(file).catch(() => {});
    },
  };
}
