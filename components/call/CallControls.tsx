/** Call controls: microphone, camera, camera switch, torch, end. Every button is labelled and toggles aria-pressed. */
import type { CallController } from "../../lib/client/call_controller.ts";

export function CallControls({ call }: { call: CallController }) {
  const off = !!call.ended.value;
  return (
    <div class="call-controls" role="toolbar" aria-label="Call controls">
      <button
        type="button"
        class={`btn round${call.muted.value ? " active" : ""}`}
        aria-pressed={call.muted.value}
        disabled={off}
        onClick={() => call.toggleMute()}
      >
        {call.muted.value ? "Unmute" : "Mute"}
      </button>
      <button
        type="button"
        class={`btn round${call.cameraOff.value ? " active" : ""}`}
        aria-pressed={call.cameraOff.value}
        disabled={off}
        onClick={() => call.toggleCamera()}
      >
        {call.cameraOff.value ? "Camera on" : "Camera off"}
      </button>
      {call.cameras.value > 1 && (
        <button
          type="button"
          class="btn round"
          disabled={off}
          aria-label={`Switch to the ${call.facing.value === "environment" ? "front" : "rear"} camera`}
          onClick={() => call.switchCamera()}
        >
          Switch camera
        </button>
      )}
      {call.torch.value !== "none" && (
        <button
          type="button"
          class={`btn round${call.torch.value === "on" ? " active" : ""}`}
          aria-pressed={call.torch.value === "on"}
          disabled={off}
          onClick={() => call.toggleTorch()}
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
