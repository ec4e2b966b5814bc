/** Sets up active calls between bench technicians and experts. */
import type { BenchClient } from "./clients.ts";
import { ask } from "./clients.ts";

export interface ActiveCall {
  callId: string;
  tech: BenchClient;
  expert: BenchClient;
}

/** Resolves on the next `event` about `callId`. */
function nextFor(client: BenchClient, event: string, callId: string): Promise<void> {
  return new Promise((resolve) => {
    const handler = (p: { callId: string }) => {
      if (p.callId !== callId) return;
      client.socket.off(event, handler);
      resolve();
    };
    client.socket.on(event, handler);
  });
}

/** create-call (REST) → call-request → expert accepts → technician joins. Resolves when both are in. */
export async function setupCall(url: string, tech: BenchClient, expert: BenchClient): Promise<ActiveCall> {
  const res = await fetch(`${url}/api/create-call`, {
    method: "POST",
    headers: { authorization: `Bearer ${tech.user.token}`, "content-type": "application/json" },
    body: "{}",
  });
  const { callId } = await res.json();
  if (!callId) throw new Error(`create-call failed: ${res.status}`);
  const rung = nextFor(expert, "call-request", callId);
  const answered = nextFor(tech, "call-response", callId);
  await ask(tech.socket, "call-request", { callId, to: expert.user.id });
  await rung;
  await ask(expert.socket, "call-response", { callId, accepted: true });
  await answered;
  await ask(tech.socket, "join-call", { callId });
  return { callId, tech, expert };
}

export async function endCall(call: ActiveCall): Promise<void> {
  await ask(call.tech.socket, "end-call", { callId: call.callId });
  await ask(call.expert.socket, "end-call", { callId: call.callId });
}
