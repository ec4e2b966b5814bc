/**
 * Freeze frame and snapshots on the call page. The Technician's device makes every still (its own
 * camera at full resolution), uploads it and, for a freeze, tells the room; the Expert asks it to over
 * the socket. Everyone follows the room's frame-frozen / frame-unfrozen / snapshot-added.
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { FrozenFrame, SnapshotInfo } from "../snapshots.ts";
import type { AnnotationAnchor } from "../types.ts";
import { ApiFailure } from "./api.ts";
import { captureStill } from "./capture.ts";
import { request, type SignalingSocket } from "./signaling.ts";

type Purpose = "freeze" | "snapshot";

/** How long the Expert waits for the Technician's device before saying it did not answer. */
const REQUEST_TIMEOUT_MS = 10_000;

export class FreezeBoard {
  readonly frozen = signal<FrozenFrame | null>(null);
  readonly snapshots = signal<SnapshotInfo[]>([]);
  /** A capture or request in flight. */
  readonly busy = signal<Purpose | null>(null);
  /** When the last frame-frozen arrived and when its still was on screen (performance.now(), tests and bench). */
  readonly timing = { frozenAt: 0, shownAt: 0, clickedAt: 0 };
  /** The last still this page captured: size, and ms spent capturing and uploading (bench). */
  readonly lastCapture = { width: 0, height: 0, bytes: 0, captureMs: 0, uploadMs: 0 };
  private socket?: SignalingSocket;
  private waiting?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly callId: string,
    /** True on the Technician's page: it owns the camera the stills come from. */
    private readonly capturer: boolean,
    private readonly localTrack: () => MediaStreamTrack | undefined,
    private readonly warn: (message: string) => void,
    /** The camera's pose now, when it is tracked: a frozen still carries it (anchored drawings). */
    private readonly anchorNow: () => AnnotationAnchor | undefined = () => undefined,
    /** The technician's camera is turned off: a new still would be black (stored ones can still be shown). */
    readonly cameraOff: ReadonlySignal<boolean>,
  ) {}

  attach(s: SignalingSocket) {
    this.socket = s;
    s.on("frame-frozen", ({ callId: _c, ...frame }) => {
      this.timing.frozenAt = performance.now();
      this.done("freeze");
      this.frozen.value = frame;
    });
    s.on("frame-unfrozen", () => this.frozen.value = null);
    s.on("snapshot-added", (info) => {
      if (info.callId !== this.callId) return;
      if (!this.snapshots.value.some((x) => x.id === info.id)) {
        this.snapshots.value = [...this.snapshots.value, info];
      }
      if (this.busy.value === "snapshot") this.done("snapshot");
    });
    s.on("capture-requested", ({ purpose }) => {
      if (this.capturer && !this.refusedWhileCameraOff()) this.capture(purpose);
    });
  }

  /** The call's stored state (GET /api/calls/:id), read when the page starts. */
  load(detail: { snapshots?: SnapshotInfo[]; frozen?: FrozenFrame }) {
    // Snapshots announced on the socket before this answer arrived are kept.
    const known = new Set((detail.snapshots ?? []).map((x) => x.id));
    this.snapshots.value = [
      ...(detail.snapshots ?? []),
      ...this.snapshots.value.filter((x) => !known.has(x.id)),
    ];
    if (detail.frozen && !this.frozen.value) this.frozen.value = detail.frozen;
  }

  /** The still is on screen (its <img> loaded). */
  shown() {
    this.timing.shownAt = performance.now();
  }

  toggle() {
    if (this.frozen.value) return this.unfreeze();
    if (this.refusedWhileCameraOff()) return;
    this.timing.clickedAt = performance.now();
    if (this.capturer) return this.capture("freeze");
    this.ask("freeze");
  }

  /** Stores a fresh full-resolution still without freezing. */
  save() {
    if (this.refusedWhileCameraOff()) return;
    if (this.capturer) return this.capture("snapshot");
    this.ask("snapshot");
  }

  /** Shows a stored snapshot to both sides again, to annotate it. */
  open(snapshotId: string) {
    this.emit("freeze", { callId: this.callId, snapshotId });
  }

  private refusedWhileCameraOff(): boolean {
    if (!this.cameraOff.value) return false;
    this.warn(
      this.capturer
        ? "Your camera is off: turn it on to take a picture."
        : "The technician's camera is off: no picture to take.",
    );
    return true;
  }

  unfreeze() {
    this.emit("unfreeze", { callId: this.callId });
  }

  private emit(event: "freeze" | "unfreeze", payload: { callId: string; snapshotId?: string }) {
    if (!this.socket) return;
    request(this.socket, event, payload as { callId: string; snapshotId: string })
      .catch((e) => this.warn(`Could not ${event}: ${(e as Error).message}`));
  }

  private ask(purpose: Purpose) {
    if (!this.socket || this.busy.value) return;
    this.busy.value = purpose;
    this.waiting = setTimeout(() => {
      if (this.busy.value !== purpose) return;
      this.busy.value = null;
      this.warn("The technician's device did not send a picture. Try again.");
    }, REQUEST_TIMEOUT_MS);
    request(this.socket, "capture-request", { callId: this.callId, purpose }).catch((e) => {
      this.done(purpose);
      this.warn(`Could not ask for a picture: ${(e as Error).message}`);
    });
  }

  private done(purpose: Purpose) {
    if (this.busy.value !== purpose) return;
    clearTimeout(this.waiting);
    this.busy.value = null;
  }

  private async capture(purpose: Purpose) {
    const track = this.localTrack();
    if (!track) return this.warn("No camera to take a picture with.");
    this.busy.value = purpose;
    try {
      const started = performance.now();
      const anchor = purpose === "freeze" ? this.anchorNow() : undefined;
      const still = await captureStill(track);
      const captured = performance.now();
      const info = await upload(this.callId, still.blob);
      Object.assign(this.lastCapture, {
        width: still.width,
        height: still.height,
        bytes: still.blob.size,
        captureMs: captured - started,
        uploadMs: performance.now() - captured,
      });
      if (purpose === "freeze") {
        await request(this.socket!, "freeze", { callId: this.callId, snapshotId: info.id, anchor });
      }
    } catch (e) {
      this.warn(`Could not take the picture: ${(e as Error).message}`);
    } finally {
      this.busy.value = null;
    }
  }
}

/** POSTs a still; resolves with the stored snapshot. */
export async function upload(callId: string, blob: Blob): Promise<SnapshotInfo> {
  const res = await fetch(`/api/calls/${encodeURIComponent(callId)}/snapshots`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": blob.type },
    body: blob,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiFailure(data.message ?? res.statusText, data.code ?? "INTERNAL", res.status);
  return data as SnapshotInfo;
}
