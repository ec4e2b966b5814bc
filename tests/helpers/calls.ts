/** An active call for tests: the technician rings the expert, who accepts; the technician joins. */
import assert from "node:assert/strict";
import { api, login } from "./server.ts";
import { type Client, connect, next, send } from "./sockets.ts";

/** Rings `expertId` about `callId`, waits for the ring, accepts it and joins: every ack must be ok. */
export async function connectCall(
  callId: string,
  tech: Client,
  expert: Client,
  expertId: string,
): Promise<void> {
  const rung = next(expert, "call-request", 5000, (p) => p.callId === callId);
  assert.equal((await send(tech, "call-request", { callId, to: expertId })).ok, true, "call-request");
  await rung;
  assert.equal((await send(expert, "call-response", { callId, accepted: true })).ok, true, "call-response");
  assert.equal((await send(tech, "join-call", { callId })).ok, true, "join-call");
}

/** Creates a call through REST on `url` with the technician's token, then connectCall; resolves with its id. */
export async function startActiveCall(
  url: string,
  techToken: string,
  tech: Client,
  expert: Client,
  expertId: string,
): Promise<string> {
  const callId = (await api(url, "POST", "/api/create-call", { token: techToken, body: {} })).body.callId;
  assert.ok(callId, "create-call");
  await connectCall(callId, tech, expert, expertId);
  return callId;
}

/** The demo technician (user1) signed in and connected at `techUrl`, the demo expert (user2) at `expertUrl`. */
export async function connectPair(techUrl: string, expertUrl = techUrl) {
  const tech = await login(techUrl, "user1", "P");
  const expert = await login(expertUrl, "user2", "P");
  const techSocket = await connect(techUrl, tech.token);
  const expertSocket = await connect(expertUrl, expert.token);
  return { tech, expert, techSocket, expertSocket };
}

/** The expert accepts as the old mobile clients do, naming itself (`from`) and the caller (`to`); resolves with the ack. */
export function acceptAsOldClient(expert: Client, callId: string, expertId: string, techId: string) {
  return send(expert, "call-response", { callId, from: expertId, to: techId, accepted: true });
}
