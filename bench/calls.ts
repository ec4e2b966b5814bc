/** Sets up active calls between bench technicians and experts. */
import type { BenchClient } from "./clients.ts";
import { ask } from "./clients.ts";

export interface ActiveCall {
  callId: string;
  tech: BenchClient;
  expert: BenchClient;
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
  const rung = new Promise<void>((resolve) => {
    const onRing = (p: { callId: string }) => {
      if (p.callId !== callId) return;
      expert.socket.off("call-request", onRing);
      resolve();
    };
    expert.socket.on("call-request", onRing);
  });
  const answered = new Promise<void>((resolve) => {
    const onResponse = (p: { callId: string }) => {
      if (p.callId !== callId) return;
      tech.socket.off("call-response", onResponse);
      resolve();
    };
    tech.socket.on("call-response", onResponse);
  });
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
