/**
 * Camera poses (issue 17): `anchor-pose` from the technician is relayed to the rest of the call (the
 * fallback when the peer-to-peer data channel is not open) and kept as the call's latest;
 * `anchor-pose-latest` answers a (re)joining page with it.
 */
import type { Deps } from "../context.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoSocket } from "./types.ts";

export function registerAnchorPoses(deps: Deps, socket: IoSocket, h: HandlerDeps): void {
  const who = socket.data.identity;
  on(socket, h, "anchor-pose", async ({ callId, ...pose }) => {
    await deps.anchorPoses.update(who, callId, pose);
    socket.to(rooms.call(callId)).emit("anchor-pose", { ...pose, callId, from: who.userId });
  });
  on(socket, h, "anchor-pose-latest", async ({ callId }) => {
    return { pose: await deps.anchorPoses.latest(who, callId) };
  });
}
