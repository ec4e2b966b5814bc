/** This page's camera and microphone during a call: mute, camera off, camera switch, torch. */
import { type Signal, signal } from "@preact/signals";
import {
  countCameras,
  type Facing,
  getLocalMedia,
  hasTorch,
  type LocalMedia as Acquired,
  openCamera,
  setTorch,
} from "./media.ts";

export class LocalMedia {
  readonly stream = signal<MediaStream | null>(null);
  readonly muted = signal(false);
  readonly cameraOff = signal(false);
  readonly facing: Signal<Facing>;
  readonly torch = signal<"none" | "off" | "on">("none");
  readonly cameras = signal(0);

  constructor(
    facing: Facing,
    private readonly warn: (message: string) => void,
    /** Puts a new camera track on the call (RTCRtpSender.replaceTrack: no renegotiation). */
    private readonly replaceVideoTrack: (track: MediaStreamTrack) => Promise<void>,
  ) {
    this.facing = signal<Facing>(facing);
  }

  /**
   * Opens what it can (or takes what was opened while the call rang); returns the stream (possibly
   * without tracks) after reporting what failed.
   */
  async open(opened?: Promise<Acquired>): Promise<MediaStream> {
    const media = await (opened ?? getLocalMedia(this.facing.value));
    media.warnings.forEach(this.warn);
    this.stream.value = media.stream;
    this.torch.value = hasTorch(media.stream.getVideoTracks()[0]) ? "off" : "none";
    countCameras().then((n) => this.cameras.value = n);
    return media.stream;
  }

  toggleMute() {
    this.muted.value = !this.muted.value;
    this.stream.value?.getAudioTracks().forEach((t) => t.enabled = !this.muted.value);
  }

  toggleCamera() {
    this.cameraOff.value = !this.cameraOff.value;
    this.stream.value?.getVideoTracks().forEach((t) => t.enabled = !this.cameraOff.value);
  }

  async switchCamera() {
    const stream = this.stream.value;
    const facing = this.facing.value === "environment" ? "user" : "environment";
    try {
      const track = await openCamera(facing, stream?.getVideoTracks()[0]);
      track.enabled = !this.cameraOff.value;
      await this.replaceVideoTrack(track);
      this.stream.value = new MediaStream([...(stream?.getAudioTracks() ?? []), track]);
      this.facing.value = facing;
      this.torch.value = hasTorch(track) ? "off" : "none";
    } catch (e) {
      this.warn(`Could not switch camera: ${(e as Error).message}`);
    }
  }

  async toggleTorch() {
    const track = this.stream.value?.getVideoTracks()[0];
    if (!track || this.torch.value === "none") return;
    const on = this.torch.value === "off";
    await setTorch(track, on).then(() => this.torch.value = on ? "on" : "off").catch(() => {});
  }

  stop() {
    this.stream.value?.getTracks().forEach((t) => t.stop());
  }
}
