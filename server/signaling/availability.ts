/**
 * What a user tells the others about itself besides presence: an Expert's "Do not disturb", and the
 * microphone / camera state of a call participant (so the other side shows "camera off", not a
 * broken picture).
 */
import type { Deps } from "../context.ts";
import { forbidden } from "../domain/errors.ts";
import { type HandlerDeps, on } from "./handler.ts";
import { rooms } from "./rooms.ts";
import type { IoSocket } from "./types.ts";

export function registerAvailability(deps: Deps, socket: IoSocket, h: HandlerDeps): void {
  const who = socket.data.identity;

  on(socket, h, "set-availability", ({ doNotDisturb }) => {
    if (who.role !== "Expert") throw forbidden("Only Experts can set Do not disturb");
    deps.presence.setDoNotDisturb(who.userId, doNotDisturb);
    return {
      doNotDisturb: deps.presence.isDoNotDisturb(who.userId),
      availability: deps.presence.availability(who.userId),
    };
  });

  on(socket, h, "media-state", async ({ callId, audio, video }) => {
    await deps.calls.requireActiveParticipant(who, callId);
    socket.to(rooms.call(callId)).emit("media-state", { callId, from: who.userId, audio, video });
  });
}
