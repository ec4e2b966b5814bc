/** Call controls: microphone, camera, camera switch, torch, end. Every button is labelled and toggles aria-pressed. */
import type { CallController } from "../../lib/client/call_controller.ts";

export function CallControls({ call }: { call: CallController }) {
  const off = !!call.ended.value;
  return (
    <div class="call-controls" role="toolbar" aria-label="Call controls">
      <button
        type="button"
        class={`btn round${call.media.muted.value ? " active" : ""}`}
        aria-pressed={call.media.muted.value}
        disabled={off}
        onClick={() => call.media.toggleMute()}
      >
        {call.media.muted.value ? "Unmute" : "Mute"}
      </button>
      <button
        type="button"
        class={`btn round${call.media.cameraOff.value ? " active" : ""}`}
        aria-pressed={call.media.cameraOff.value}
        disabled={off}
        onClick={() => call.media.toggleCamera()}
      >
        {call.media.cameraOff.value ? "Camera on" : "Camera off"}
      </button>
      {call.media.cameras.value > 1 && (
        <button
          type="button"
          class="btn round"
          disabled={off}
          aria-label={`Switch to the ${call.media.facing.value === "environment" ? "front" : "rear"} camera`}
          onClick={() => call.media.switchCamera()}
        >
          Switch camera
        </button>
      )}
      {call.media.torch.value !== "none" && (
        <button
          type="button"
          class={`btn round${call.media.torch.value === "on" ? " active" : ""}`}
          aria-pressed={call.media.torch.value === "on"}
          disabled={off}
          onClick={() => call.media.toggleTorch()}
        >
          Torch
        </button>
      )}
      <button type="button" class="btn round btn-danger" disabled={off} onClick={() => call.end()}>
        End call
      </button>
    </div>
  );
}
