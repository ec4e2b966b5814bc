/**
 * The small picture over the main video (your own camera on the Expert's side, the Expert's on the
 * phone). It can be dragged to any corner, moved with a button, or hidden, so it never sits for good
 * on the part of the picture being discussed. Hidden keeps the element playing (the Expert's voice
 * comes through it on the phone). The chosen corner is remembered on this device.
 */
import type { RefObject } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

const CORNERS = ["top-right", "bottom-right", "bottom-left", "top-left"] as const;
export type Corner = typeof CORNERS[number];
const KEY = "mobimaint.inset";

interface Props {
  videoRef: RefObject<HTMLVideoElement | null>;
  muted: boolean;
  label: string;
  /** What the picture is, for the buttons ("your camera", "user2's camera"). */
  what: string;
  /** Shown instead of the picture while its camera is turned off (the element keeps playing the sound). */
  off?: string;
}

export function InsetVideo({ videoRef, muted, label, what, off }: Props) {
  const corner = useSignal<Corner>("top-right");
  const hidden = useSignal(false);
  const drag = useSignal<{ dx: number; dy: number } | null>(null);
  const start = useRef<{ x: number; y: number; id: number } | null>(null);

  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(KEY) ?? "null");
      if (CORNERS.includes(saved?.corner)) corner.value = saved.corner;
      hidden.value = saved?.hidden === true;
    } catch { /* nothing saved */ }
  }, []);
  const save = () => {
    try {
      localStorage.setItem(KEY, JSON.stringify({ corner: corner.value, hidden: hidden.value }));
    } catch { /* private mode */ }
  };

  const onUp = (e: PointerEvent) => {
    const box = e.currentTarget as HTMLElement;
    start.current = null;
    if (!drag.value) return;
    drag.value = null;
    // Snap to the corner nearest to where the picture was dropped.
    const parent = box.parentElement!.getBoundingClientRect(), r = box.getBoundingClientRect();
    const right = r.left + r.width / 2 > parent.left + parent.width / 2;
    const bottom = r.top + r.height / 2 > parent.top + parent.height / 2;
    corner.value = `${bottom ? "bottom" : "top"}-${right ? "right" : "left"}`;
    save();
  };

  return (
    <>
      <div
        class={`video-inset inset-${corner.value}${hidden.value ? " inset-hidden" : ""}${
          drag.value ? " dragging" : ""
        }${off ? " camera-off" : ""}`}
        data-testid="inset"
        data-corner={corner.value}
        style={drag.value ? { transform: `translate(${drag.value.dx}px, ${drag.value.dy}px)` } : undefined}
        onPointerDown={(e) => {
          if ((e.target as HTMLElement).closest("button")) return;
          start.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const s = start.current;
          if (!s) return;
          const dx = e.clientX - s.x, dy = e.clientY - s.y;
          if (drag.value || Math.hypot(dx, dy) > 6) drag.value = { dx, dy };
        }}
        onPointerUp={onUp}
        onPointerCancel={() => {
          start.current = null;
          drag.value = null;
        }}
      >
        <video ref={videoRef} autoplay playsInline muted={muted} aria-label={label} />
        {off && <p class="camera-off-note" data-testid="inset-camera-off">{off}</p>}
        <div class="inset-actions">
          <button
            type="button"
            class="inset-btn"
            aria-label={`Move ${what} to another corner`}
            title="Move"
            onClick={() => {
              corner.value = CORNERS[(CORNERS.indexOf(corner.value) + 1) % CORNERS.length];
              save();
            }}
          >
            ⤢
          </button>
          <button
            type="button"
            class="inset-btn"
            aria-label={`Hide ${what}`}
            title="Hide"
            onClick={() => {
              hidden.value = true;
              save();
            }}
          >
            ×
          </button>
        </div>
      </div>
      {hidden.value && (
        <button
          type="button"
          class="btn chip inset-show"
          onClick={() => {
            hidden.value = false;
            save();
          }}
        >
          Show {what}
        </button>
      )}
    </>
  );
}
