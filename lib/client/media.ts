/** Camera and microphone: acquisition with fallbacks, camera switching, torch. */
import { insecureOriginWarning } from "../secure_context.ts";

export type Facing = "environment" | "user";

export interface LocalMedia {
  stream: MediaStream;
  /** Human-readable problems (denied, missing) — the call goes on with what is available. */
  warnings: string[];
}

/** What to tell the user when a device could not be opened (`e` is getUserMedia's error). */
export function describeMediaError(e: unknown, what: "Camera" | "Microphone"): string {
  const name = (e as { name?: string })?.name;
  const device = what.toLowerCase();
  const reason = name === "NotAllowedError" || name === "SecurityError"
    ? `${what} access was denied (allow it in the browser's site settings).`
    : name === "NotFoundError" || name === "OverconstrainedError"
    ? `No ${device} was found.`
    : name === "NotReadableError"
    ? `The ${device} is in use by another application.`
    : `The ${device} could not be started.`;
  return `${reason} The call goes on without your ${device}.`;
}

const videoConstraints = (facing: Facing): MediaTrackConstraints => ({
  facingMode: { ideal: facing },
  width: { ideal: 1280 },
  height: { ideal: 720 },
});

/**
 * Asks for camera and microphone together, then each alone, keeping whatever works. On a phone the
 * rear camera is asked for strictly first (`ideal` alone lets some phones open the front one).
 */
export async function getLocalMedia(facing: Facing): Promise<LocalMedia> {
  if (!navigator.mediaDevices?.getUserMedia) {
    const warning = insecureOriginWarning(location, globalThis.isSecureContext) ??
      "This browser cannot use a camera or microphone. The call goes on without them.";
    return { stream: new MediaStream(), warnings: [warning] };
  }
  if (facing === "environment") {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { ...videoConstraints(facing), facingMode: { exact: "environment" } },
      });
      return { stream, warnings: [] };
    } catch { /* no rear camera (a laptop) or it is refused: the usual path below says which */ }
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: videoConstraints(facing),
    });
    return { stream, warnings: [] };
  } catch { /* try each device alone to find out which one failed */ }
  const stream = new MediaStream();
  const warnings: string[] = [];
  for (const [kind, what] of [["video", "Camera"], ["audio", "Microphone"]] as const) {
    try {
      const s = await navigator.mediaDevices.getUserMedia(
        kind === "video" ? { video: videoConstraints(facing) } : { audio: true },
      );
      s.getTracks().forEach((t) => stream.addTrack(t));
    } catch (e) {
      warnings.push(describeMediaError(e, what));
    }
  }
  return { stream, warnings };
}

export async function countCameras(): Promise<number> {
  const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
  return devices.filter((d) => d.kind === "videoinput").length;
}

/** A new camera track facing the other way (or the next camera when facing modes are not reported). */
export async function openCamera(facing: Facing, previous?: MediaStreamTrack): Promise<MediaStreamTrack> {
  const previousId = previous?.getSettings().deviceId;
  previous?.stop(); // phones often cannot open two cameras at once
  const stream = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(facing) });
  const track = stream.getVideoTracks()[0];
  if (previousId && track.getSettings().deviceId === previousId) {
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    const next = cams[(cams.findIndex((d) => d.deviceId === previousId) + 1) % cams.length];
    if (next && next.deviceId !== previousId) {
      track.stop();
      const s = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: next.deviceId } } });
      return s.getVideoTracks()[0];
    }
  }
  return track;
}

export function hasTorch(track: MediaStreamTrack | undefined): boolean {
  const caps = track?.getCapabilities?.() as (MediaTrackCapabilities & { torch?: boolean }) | undefined;
  return Boolean(caps?.torch);
}

export function setTorch(track: MediaStreamTrack, on: boolean): Promise<void> {
  return track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
}
