/**
 * A load-generating script in a process of its own (the crowds of bench/crowd.ts and bench/compat/crowd.ts):
 * its input goes in a JSON file named as its argument, it talks in lines on stdout, and it ends when its
 * stdin closes.
 */
import { loadV8Arg } from "../server/runtime_flags.ts";

export interface LoadProcess {
  /** The next line the process printed. */
  line(): Promise<string>;
  /** Sends a line to the process. */
  send(line: string): Promise<void>;
  /** Closes its stdin, waits for it to end and removes its input file. */
  stop(): Promise<void>;
}

/**
 * `niceness` (0–19) runs the process at a lower scheduling priority (`nice`): load standing in for phones,
 * whose work in the field is not done on the server's cores.
 */
export async function startLoadProcess(script: URL, input: unknown, niceness = 0): Promise<LoadProcess> {
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
    throw new Error(`a niceness is an integer from 0 to 19, not ${niceness}`);
  }
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify(input));
  // The load generator allocates packets as the server does: its own GC pauses are not the server's latency.
  const deno = [Deno.execPath(), "run", "-A", loadV8Arg, script.pathname, file];
  const [cmd, ...args] = niceness ? ["nice", "-n", String(niceness), ...deno] : deno;
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stdin = child.stdin.getWriter();
  let buffered = "";
  return {
    line: async () => {
      while (!buffered.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`${script.pathname} ended early`);
        buffered += value;
      }
      const i = buffered.indexOf("\n");
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return line;
    },
    send: (line) => stdin.write(new TextEncoder().encode(`${line}\n`)),
    stop: async () => {
      await stdin.close();
      await lines.cancel().catch(() => {});
      await child.status;
      await Deno.remove(file).catch(() => {});
    },
  };
}
