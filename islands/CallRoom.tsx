/** The call room: main video with the annotation overlay, inset video, status, tools, chat, controls. */
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import { AnchoredLayer } from "../components/call/AnchoredLayer.tsx";
import { AnchorToggle } from "../components/call/AnchorToggle.tsx";
import { AnnotationCanvas } from "../components/call/AnnotationCanvas.tsx";
import { AnnotationTools } from "../components/call/AnnotationTools.tsx";
import { CallControls } from "../components/call/CallControls.tsx";
import { CallStatus } from "../components/call/CallStatus.tsx";
import { ChatJump } from "../components/call/ChatJump.tsx";
import { ChatPanel } from "../components/call/ChatPanel.tsx";
import { FreezeControls } from "../components/call/FreezeControls.tsx";
import { InsetVideo } from "../components/call/InsetVideo.tsx";
import { defaultColor } from "../lib/annotations.ts";
import { CallController } from "../lib/client/call_controller.ts";
import { LIMIT_WORDS } from "../lib/client/quality.ts";
import { useUndoKey } from "../lib/client/use_undo_key.ts";
import type { Me } from "../lib/history.ts";
import type { AnnotationKind } from "../lib/types.ts";

interface Props {
  callId: string;
  me: Me;
  /** The call's participants in the order they came in (its creator first), as this page knows them. */
  members: readonly string[];
  /** Set when the room opens in place of the home page, with the call already started (call_warmup.ts). */
  controller?: CallController;
}

/** Binds a stream to a video element; unmuted autoplay may be refused, then it plays muted with a prompt. */
function useStream(ref: { current: HTMLVideoElement | null }, stream: MediaStream | null, muted: boolean) {
  const blocked = useSignal(false);
  useEffect(() => {
    const v = ref.current;
    if (!v || v.srcObject === stream) return;
    v.srcObject = stream;
    v.muted = muted;
    if (stream) {
      v.play().catch((e: DOMException) => {
        // Only the autoplay policy mutes; a play() cut short by the next stream (AbortError) is no reason to.
        if (e.name !== "NotAllowedError") return;
        v.muted = true;
        blocked.value = !muted;
        v.play().catch(() => {});
      });
    }
  }, [stream]);
  return blocked;
}

function connectionWords(call: CallController): string {
  if (call.ended.value) return "Call ended";
  if (call.signaling.value === "reconnecting") return "Reconnecting to the server…";
  if (call.signaling.value === "connecting") return "Connecting to the server…";
  if (!call.peerPresent.value) return `Waiting for ${call.peerName}…`;
  switch (call.peerState.value) {
    case "connected":
      return `Connected with ${call.peerName}`;
    case "disconnected":
      return "Connection interrupted, recovering…";
    case "failed":
      return "Connection failed, retrying…";
    case "closed":
      return "Disconnected";
    default:
      return "Connecting video…";
  }
}

/** For the home page's warm-up, which loads this module while a call rings. */
export { CallController };

export default function CallRoom({ callId, me, members, controller }: Props) {
  const callRef = useRef<CallController | null>(null);
  callRef.current ??= controller ?? new CallController(callId, me, { members });
  const call = callRef.current;
  const tool = useSignal<AnnotationKind>("arrow");
  const color = useSignal<string>(defaultColor(me.role));
  const pinText = useSignal("Check here");
  const drawn = useSignal({ count: 0, rect: { x: 0, y: 0, w: 0, h: 0 }, labels: [] as unknown[] });
  // deno-lint-ignore no-explicit-any
  const anchored = useRef<any>(null);
  const mainVideo = useRef<HTMLVideoElement>(null);
  const insetVideo = useRef<HTMLVideoElement>(null);
  const still = useRef<HTMLImageElement>(null);
  useUndoKey(() => call.board.undo(), !call.ended.value);

  // A layout effect: the call starts as soon as the room is on screen, not a frame later.
  useLayoutEffect(() => {
    (globalThis as { __mobimaint?: unknown }).__mobimaint = { call, drawn, anchored };
    call.start().catch((e) => call.finish(`Could not start the call: ${(e as Error).message}`, false));
    const leave = () => call.stop();
    addEventListener("pagehide", leave);
    // Back from a room opened in place of the home page (or reloaded since) stays in this document: load
    // the page of the address it went back to, as leaving the call page does.
    const back = () => location.reload();
    addEventListener("popstate", back);
    const key = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key.toLowerCase() !== "f" || e.ctrlKey || e.metaKey || e.altKey || call.ended.value) return;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      e.preventDefault();
      call.freeze.toggle();
    };
    addEventListener("keydown", key);
    return () => {
      removeEventListener("keydown", key);
      removeEventListener("pagehide", leave);
      removeEventListener("popstate", back);
      call.stop();
    };
  }, []);

  // The technician's own camera is what everyone annotates; the expert annotates the remote picture.
  const technician = me.role === "Technician";
  const mainStream = technician ? call.media.stream.value : call.remoteStream.value;
  const insetStream = technician ? call.remoteStream.value : call.media.stream.value;
  const mainBlocked = useStream(mainVideo, mainStream, technician);
  // Tracking starts a second after the call connects: its worker must not compete with the first frames.
  const connected = call.peerState.value === "connected";
  useEffect(() => {
    if (!technician || !mainStream || !connected || !call.anchoring.stick.value) return;
    const t = setTimeout(() => call.anchoring.startTracking(mainVideo.current!), 1000);
    return () => clearTimeout(t);
  }, [mainStream, connected, call.anchoring.stick.value]);
  const insetBlocked = useStream(insetVideo, insetStream, !technician);
  const q = call.quality.value;
  const degraded = q && (q.level === "poor" || q.level === "fair") && call.peerState.value === "connected";
  // Frozen: the still and its own annotations. Live: the video, the annotations made live, and those
  // made on a still that carried the camera's pose (anchored: they follow the object live too).
  const frozen = call.freeze.frozen.value;
  // A camera turned off leaves its last frame on the receiving side: say it is off instead.
  const mainOff = call.annotatedCameraOff.value && !frozen;
  const insetOff = technician ? call.peerCameraOff.value : call.media.cameraOff.value;
  const all = call.board.annotations.value;
  // Drawings belong on the picture: none over "camera is off", and none drawn until it is back.
  const shown = mainOff
    ? []
    : all.filter((a) => frozen ? a.frozenFrameId === frozen.snapshotId : !a.frozenFrameId || a.anchor);
  // Live: drawings anchored to the object follow the camera's pose; the others stay on the screen.
  const [pinned, stuck] = useMemo(() => [shown.filter((a) => !a.anchor), shown.filter((a) => a.anchor)], [
    all,
    frozen,
    mainOff,
  ]);

  return (
    <main class={`call ${technician ? "call-technician" : "call-expert"}`} data-testid="call-room">
      <div class="call-stage">
        <div class={`video-main${mainOff ? " camera-off" : ""}`}>
          <video
            ref={mainVideo}
            autoplay
            playsInline
            muted={technician}
            aria-label={technician ? "Your camera" : `${call.peerName}'s camera`}
          />
          {mainOff && (
            <p class="camera-off-note" data-testid="main-camera-off">
              {technician ? "Your camera is off" : `${call.peerName}'s camera is off`}
            </p>
          )}
          {frozen && (
            <img
              ref={still}
              class="still"
              src={frozen.url}
              width={frozen.width}
              height={frozen.height}
              alt={`Still picture (${frozen.width}×${frozen.height})`}
              data-testid="still"
              data-snapshot-id={frozen.snapshotId}
              onLoad={() => call.freeze.shown()}
            />
          )}
          {!frozen && (
            <AnchoredLayer
              video={mainVideo}
              annotations={stuck}
              pose={call.anchoring.pose}
              onDraw={(placed, rect, pose) => {
                anchored.current = { placed, rect, pose };
                call.anchoring.noteDrawn(pose);
              }}
            />
          )}
          <AnnotationCanvas
            key={frozen?.snapshotId ?? "live"}
            video={frozen ? still : mainVideo}
            annotations={frozen ? shown : pinned}
            tool={tool.value}
            color={color.value}
            pinText={pinText.value}
            me={me.userId}
            names={call.names.value}
            onCreate={call.ended.value || mainOff ? undefined : (a) =>
              call.board.addAnnotation(
                frozen
                  ? call.anchoring.anchorNew({ ...a, frozenFrameId: frozen.snapshotId }, frozen)
                  : call.anchoring.anchorNew(a),
              )}
            onDraw={(rect, count, labels) =>
              drawn.value = { rect, count: count + (frozen ? 0 : stuck.length), labels }}
          />
          <InsetVideo
            videoRef={insetVideo}
            muted={!technician}
            label={technician ? `${call.peerName}'s camera` : "Your camera"}
            what={technician ? `${call.peerName}'s camera` : "your camera"}
            off={insetOff ? "Camera off" : undefined}
          />
          <ChatJump messages={call.board.chat.value} me={me.userId} />
          <div class="status-bar">
            <span class="conn" role="status" data-testid="connection" data-state={call.peerState.value}>
              {connectionWords(call)}
            </span>
            {frozen && (
              <span class="frozen-badge" data-testid="frozen-badge">Still picture · annotate it</span>
            )}
            <CallStatus call={call} />
            {q && q.level !== "unknown" && (
              <span
                class={`quality quality-${q.level}`}
                data-testid="quality"
                data-limit={q.limit ?? "none"}
                title="Round trip, packet loss, bitrate"
              >
                {q.level === "good" ? "Good" : q.level === "fair" ? "Fair" : "Poor"}
                {q.limit ? ` (${LIMIT_WORDS[q.limit]})` : ""} · {q.rttMs ?? "?"} ms · {q.lossPct}% loss ·{" "}
                {q.kbps} kbps
              </span>
            )}
          </div>
          {(mainBlocked.value || insetBlocked.value) && (
            <button
              type="button"
              class="btn unmute"
              onClick={() => {
                const v = technician ? insetVideo.current : mainVideo.current;
                if (v) v.muted = false;
                mainBlocked.value = insetBlocked.value = false;
              }}
            >
              Tap to hear {call.peerName}
            </button>
          )}
        </div>
        <div class="banners">
          {degraded && (
            <p
              class={`alert alert-quality ${q!.level === "poor" ? "alert-error" : "alert-warn"}`}
              role="alert"
              data-testid="quality-alert"
            >
              {q!.level === "poor" ? "Poor connection" : "Weak connection"}{" "}
              ({LIMIT_WORDS[q!.limit!]}): video may freeze or blur.
            </p>
          )}
          {call.warnings.value.map((w) => <p key={w} class="alert alert-warn" role="alert">{w}</p>)}
          {call.notice.value && (
            <p class="alert alert-info" role="status" data-testid="call-notice">{call.notice.value}</p>
          )}
          {call.ended.value && (
            <p class="alert alert-info" role="alert" data-testid="call-ended">
              {call.ended.value} <a href="/">Back home</a>
            </p>
          )}
        </div>
        <FreezeControls board={call.freeze} disabled={!!call.ended.value} />
        <CallControls call={call} />
      </div>
      <aside class="call-side" aria-label="Annotations and chat">
        <AnchorToggle
          anchoring={call.anchoring}
          disabled={!!call.ended.value}
          cameraOff={call.annotatedCameraOff.value}
        />
        <AnnotationTools
          tool={tool.value}
          color={color.value}
          pinText={pinText.value}
          onTool={(t) => tool.value = t}
          onColor={(c) => color.value = c}
          onPinText={(t) => pinText.value = t}
          onUndo={() => call.board.undo()}
          onClear={() => call.board.clear()}
          disabled={!!call.ended.value}
          pausedBecause={mainOff
            ? `Drawing is paused while ${technician ? "your" : `${call.peerName}'s`} camera is off.`
            : undefined}
        />
        <ChatPanel
          messages={call.board.chat.value}
          me={me.userId}
          names={call.names.value}
          onSend={(t) => call.board.sendChat(t)}
          disabled={!!call.ended.value}
        />
      </aside>
    </main>
  );
}
