/** Whether new drawings stick to the object in the picture or to the screen, and the tracking state. */
import type { Anchoring } from "../../lib/client/tracking/anchoring.ts";

const STATUS: Record<string, string> = {
  starting: "starting…",
  unsupported: "not supported by this browser",
  failed: "unavailable",
};

/** `cameraOff`: the tracked camera (the technician's) is turned off: nothing to follow until it is back. */
export function AnchorToggle(
  { anchoring, disabled, cameraOff }: { anchoring: Anchoring; disabled?: boolean; cameraOff?: boolean },
) {
  const pose = anchoring.pose.value;
  const status = STATUS[anchoring.tracking.value] ??
    (cameraOff
      ? "paused while the camera is off"
      : !pose
      ? "waiting for the camera"
      : pose.state === "tracking"
      ? "following the scene"
      : "lost, searching…");
  return (
    <div class="tool-row anchor-toggle">
      <label class="switch">
        <input
          type="checkbox"
          data-testid="stick-toggle"
          checked={anchoring.stick.value}
          disabled={disabled}
          onChange={(e) => anchoring.stick.value = (e.currentTarget as HTMLInputElement).checked}
        />
        Stick new drawings to the object
      </label>
      <span
        class="muted"
        role="status"
        data-testid="tracking-status"
        data-state={cameraOff ? "camera-off" : pose?.state ?? "none"}
      >
        Tracking: {status}
      </span>
    </div>
  );
}
