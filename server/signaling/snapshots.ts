/**
 * Freeze frame and snapshots over sockets. The domain decides (SnapshotService); its events go to the
 * call room from whichever node made the change (rooms span nodes through the cluster adapter).
 */
import type { Deps } from "../context.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoServer, IoSocket } from "./types.ts";

/** Tells the call room about snapshots added (REST or socket) and freezes; returns the unsubscribe. */
export function relaySnapshotEvents(io: IoServer, deps: Deps): () => void {
  return deps.snapshots.subscribe({
    added: (info) => io.to(rooms.call(info.callId)).emit("snapshot-added", info),
    frozen: (callId, frame) => io.to(rooms.call(callId)).emit("frame-frozen", { ...frame, callId }),
    unfrozen: (callId, from) => io.to(rooms.call(callId)).emit("frame-unfrozen", { callId, from }),
  });
}

export function registerSnapshots(deps: Deps, socket: IoSocket, h: HandlerDeps): void {
  const who = socket.data.identity;
  const { snapshots, calls } = deps;

  on(socket, h, "freeze", async ({ callId, snapshotId, anchor }) => {
    const frame = await snapshots.freeze(who, callId, snapshotId, anchor);
    return { frame };
  });

  on(socket, h, "unfreeze", async ({ callId }) => {
    await snapshots.unfreeze(who, callId);
  });

  // The Expert cannot capture the Technician's camera at full resolution: the Technician's device does.
  on(socket, h, "capture-request", async ({ callId, purpose }) => {
    await calls.requireActiveParticipant(who, callId);
    socket.to(rooms.call(callId)).emit("capture-requested", { callId, from: who.userId, purpose });
  });
}
