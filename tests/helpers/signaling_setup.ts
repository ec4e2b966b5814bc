/**
 * A real server for the signaling flow tests (optionally on a fake clock) with the seeded users logged
 * in: `open` connects a socket that `close` closes with the server, `newCall` creates a call as the
 * technician, `status` reads a call as the admin.
 */
import type { FakeClock } from "./fake_clock.ts";
import { api, loginAll, startTestServer } from "./server.ts";
import { type Client, connect } from "./sockets.ts";

/** Starts the server and logs the users in; `close` closes every socket `open` made, then the server. */
export async function setup(env: Record<string, string> = {}, clock?: FakeClock) {
  const server = await startTestServer(env, undefined, { clock });
  const users = await loginAll(server.url);
  const sockets: Client[] = [];
  const open = async (token: string, opts?: Record<string, unknown>) => {
    const s = await connect(server.url, token, opts);
    sockets.push(s);
    return s;
  };
  const newCall = async () =>
    (await api(server.url, "POST", "/api/create-call", { token: users.tech.token, body: {} })).body
      .callId as string;
  const status = async (callId: string) =>
    (await api(server.url, "GET", `/api/calls/${callId}`, { token: users.admin.token })).body;
  return {
    server,
    ...users,
    open,
    newCall,
    status,
    close: async () => {
      for (const s of sockets) s.close();
      await server.close();
    },
  };
}
