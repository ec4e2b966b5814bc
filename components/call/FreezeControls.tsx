/** Freeze/unfreeze (also the F key) and "Save snapshot", with the strip of the call's snapshots. */
import type { FreezeBoard } from "../../lib/client/freeze_board.ts";

interface Props {
  board: FreezeBoard;
  disabled: boolean;
}

export function FreezeControls({ board, disabled }: Props) {
  const frozen = board.frozen.value;
  const busy = board.busy.value;
  const list = board.snapshots.value;
  // A stored still can be shown and unfrozen; a new one needs the camera on.
  const cameraOff = board.cameraOff.value;
  return (
    <div class="freeze-bar">
      <div class="freeze-buttons" role="toolbar" aria-label="Still pictures">
        <button
          type="button"
          class={`btn round${frozen ? " active" : ""}`}
          data-testid="freeze"
          aria-pressed={!!frozen}
          aria-keyshortcuts="F"
          aria-label={frozen
            ? "Unfreeze: back to live video (F)"
            : cameraOff
            ? "Freeze: the camera is off"
            : "Freeze the picture (F)"}
          disabled={disabled || busy === "freeze" || (!frozen && cameraOff)}
          onClick={() => board.toggle()}
        >
          {busy === "freeze" ? "Freezing…" : frozen ? "Unfreeze" : "Freeze"}
        </button>
        <button
          type="button"
          class="btn round"
          data-testid="save-snapshot"
          aria-label={frozen
            ? "This still is saved in the call"
            : cameraOff
            ? "Save snapshot: the camera is off"
            : "Save a full-resolution snapshot"}
          disabled={disabled || !!frozen || !!busy || cameraOff}
          onClick={() => board.save()}
        >
          {busy === "snapshot" ? "Saving…" : frozen ? "Saved" : "Save snapshot"}
        </button>
      </div>
      {list.length > 0 && (
        <ul class="snapshot-strip" data-testid="snapshot-strip" aria-label="Snapshots of this call">
          {list.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                class={`thumb${frozen?.snapshotId === s.id ? " current" : ""}`}
                aria-current={frozen?.snapshotId === s.id}
                aria-label={`Show snapshot ${i + 1} to both sides to annotate it`}
                disabled={disabled}
                data-snapshot-id={s.id}
                onClick={() => board.open(s.id)}
              >
                <img src={s.url} alt="" width={s.width} height={s.height} loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
