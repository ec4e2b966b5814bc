/** Starts bench/compat/crowd.ts processes: old clients that are connected, then held, outside the measuring process. */
import { startLoadProcess } from "../load_process.ts";
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
  niceness: number,
): Promise<CompatCrowd> {
  const crowd = await startLoadProcess(
    new URL("./crowd.ts", import.meta.url),
    { url, users, width },
    niceness,
  );
  if (await crowd.line() !== "ready") throw new Error("the crowd process did not start");
  return {
    connect: async () => {
      await crowd.send("go");
      return (JSON.parse(await crowd.line()) as { totalMs: number }).totalMs;
    },
    stop: crowd.stop,
  };
}
