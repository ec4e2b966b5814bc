/**
 * Tells the others in the call when this page's microphone or camera is off, and keeps what they
 * said of theirs, so a camera turned off shows as "camera off", not as a broken connection.
 */
import { effect, signal } from "@preact/signals";
import type { LocalMedia } from "./local_media.ts";
import type { SignalingSocket } from "./signaling.ts";

export interface PeerMedia {
  audio: boolean;
  video: boolean;
}

export class MediaStateSync {
  /** The other participant's microphone (`audio`) and camera (`video`), as last announced. */
  readonly peer = signal<PeerMedia>({ audio: true, video: true });
  private socket?: SignalingSocket;
  private dispose?: () => void;

  constructor(
    private readonly callId: string,
    private readonly me: string,
    private readonly media: LocalMedia,
  ) {}

  attach(s: SignalingSocket): void {
    this.socket = s;
    s.on("media-state", ({ from, audio, video }) => {
      if (from !== this.me) this.peer.value = { audio, video };
    });
    this.dispose?.();
    let first = true;
    this.dispose = effect(() => {
      // Read both signals so the effect runs again when either changes.
      const muted = this.media.muted.value, off = this.media.cameraOff.value;
      if (first) return void (first = false);
      this.send(!muted, !off);
    });
  }

  /** Says this page's state again (after joining, or when the other participant (re)arrives). */
  announce(): void {
    this.send(!this.media.muted.value, !this.media.cameraOff.value);
  }

  /** The peer left: whoever comes back announces afresh. */
  reset(): void {
    this.peer.value = { audio: true, video: true };
  }

  private send(audio: boolean, video: boolean): void {
    if (!this.socket?.connected) return;
    this.socket.emit("media-state", { callId: this.callId, audio, video });
  }

  stop(): void {
    this.dispose?.();
  }
}
