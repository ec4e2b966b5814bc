/**
 * A presence storm while something else is measured: a shift of Experts logging in at once (POST /login with
 * their password, then the websocket and `register`), from a process of its own (presence_storm_process.ts)
 * that is started ahead and told when to go, so the storm lands inside the measured phase.
 */
import { startLoadProcess } from "./load_process.ts";

/** How many of the storm's Experts log in at the same time. */
export const STORM_WIDTH = 25;
/** Experts per storm, as #14 states it. */
export const STORM_EXPERTS = 100;

export interface StormUser {
  /** The name it registers as. */
  name: string;
  /** What it signs in with; none for a server without logins (the bare relay). */
  login?: { username: string; password: string };
  /** Its token when it cannot sign in (a server without logins ignores it). */
  token?: string;
}

/** `batch`: MobiMaint's pages (batched presence, acked register); `compat`: the old mobile clients. */
export type StormClients = "batch" | "compat";

export interface StormResult {
  experts: number;
  /** From "go" to the last Expert registered (ms). */
  totalMs: number;
  /** Login request time of each Expert (ms). */
  loginMs: number[];
}

export interface PresenceStorm {
  /** Starts the storm; resolves when every Expert is registered. */
  go(): Promise<StormResult>;
  /** Disconnects the storm's Experts and ends its process. */
  stop(): Promise<void>;
}

export async function startPresenceStorm(
  url: string,
  users: StormUser[],
  clients: StormClients,
): Promise<PresenceStorm> {
  const storm = await startLoadProcess(new URL("./presence_storm_process.ts", import.meta.url), {
    url,
    users,
    clients,
    width: STORM_WIDTH,
  });
  if (await storm.line() !== "ready") throw new Error("the presence storm process did not start");
  let went: Promise<StormResult> | undefined;
  return {
    go: () =>
      went ??= storm.send("go").then(async () => {
        const line = JSON.parse(await storm.line()) as StormResult | { error: string };
        if ("error" in line) throw new Error(`presence storm: ${line.error}`);
        return line;
      }),
    stop: storm.stop,
  };
}

/**
 * Two storms ready to go, one for the relay phase and one for the annotations: `users` split in half, so
 * no Expert arrives twice.
 */
export async function startPhaseStorms(
  url: string,
  users: StormUser[],
  clients: StormClients,
): Promise<{ relay: PresenceStorm; annotations: PresenceStorm; stop(): Promise<void> }> {
  const half = Math.ceil(users.length / 2);
  const [relay, annotations] = await Promise.all(
    [users.slice(0, half), users.slice(half)].map((u) => startPresenceStorm(url, u, clients)),
  );
  return {
    relay,
    annotations,
    stop: async () => void await Promise.all([relay.stop(), annotations.stop()]),
  };
}
