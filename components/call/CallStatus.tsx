/** Status-bar extras: the call timer and the other side's muted / camera-off state (and yours). */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { CallController } from "../../lib/client/call_controller.ts";
import { formatClock } from "../../lib/call_words.ts";

export function CallStatus({ call }: { call: CallController }) {
  const now = useSignal(Date.now());
  useEffect(() => {
    const t = setInterval(() => now.value = Date.now(), 1000);
    return () => clearInterval(t);
  }, []);
  const started = call.startedAt.value;
  const peer = call.mediaState.peer.value;
  const present = call.peerPresent.value && !call.ended.value;
  return (
    <>
      {started && !call.ended.value && (
        <span class="badge-line" data-testid="call-timer" role="timer" aria-label="Call duration">
          {formatClock(Math.max(0, Math.round((now.value - started) / 1000)))}
        </span>
      )}
      {present && !peer.video && (
        <span class="badge-line media-off" data-testid="peer-camera-off">
          {call.peerName}'s camera is off
        </span>
      )}
      {present && !peer.audio && (
        <span class="badge-line media-off" data-testid="peer-muted">{call.peerName} is muted</span>
      )}
      {(call.media.muted.value || call.media.cameraOff.value) && !call.ended.value && (
        <span class="badge-line" data-testid="self-media">
          {[call.media.muted.value && "You are muted", call.media.cameraOff.value && "your camera is off"]
            .filter(Boolean).join(" · ").replace(/^y/, "Y")}
        </span>
      )}
    </>
  );
}
