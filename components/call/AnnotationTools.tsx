/** Tool, colour and pin text for drawing, plus undo / clear. */
import { COLORS } from "../../lib/annotations.ts";
import type { AnnotationKind } from "../../lib/types.ts";

const TOOLS: [AnnotationKind, string][] = [
  ["arrow", "Arrow"],
  ["pin", "Text pin"],
  ["stroke", "Freehand"],
  ["rect", "Rectangle"],
  ["ellipse", "Ellipse"],
];
const COLOR_NAMES = ["Red", "Yellow", "Green", "Blue", "White"];

interface Props {
  tool: AnnotationKind;
  color: string;
  pinText: string;
  onTool: (t: AnnotationKind) => void;
  onColor: (c: string) => void;
  onPinText: (t: string) => void;
  onUndo: () => void;
  onClear: () => void;
  disabled?: boolean;
  /** Why drawing is paused for now (e.g. the camera is off): the tools are disabled and this says why. */
  pausedBecause?: string;
}

export function AnnotationTools(p: Props) {
  return (
    <fieldset class="tools" disabled={p.disabled || !!p.pausedBecause}>
      <legend>Draw on the video</legend>
      {p.pausedBecause && <p class="tools-note" data-testid="drawing-paused">{p.pausedBecause}</p>}
      <div class="tool-row" role="group" aria-label="Tool">
        {TOOLS.map(([kind, label]) => (
          <button
            key={kind}
            type="button"
            class={`btn chip${p.tool === kind ? " active" : ""}`}
            aria-pressed={p.tool === kind}
            data-tool={kind}
            onClick={() => p.onTool(kind)}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="tool-row" role="group" aria-label="Colour">
        {COLORS.map((c, i) => (
          <button
            key={c}
            type="button"
            class={`swatch${p.color === c ? " active" : ""}`}
            style={{ background: c }}
            aria-label={COLOR_NAMES[i]}
            aria-pressed={p.color === c}
            onClick={() => p.onColor(c)}
          />
        ))}
      </div>
      {p.tool === "pin" && (
        <div class="tool-row">
          <label for="pin-text">Pin text</label>
          <input
            id="pin-text"
            value={p.pinText}
            maxLength={200}
            onInput={(e) => p.onPinText((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
      )}
      <div class="tool-row">
        <button type="button" class="btn" onClick={p.onUndo}>Undo my last</button>
        <button type="button" class="btn" onClick={p.onClear}>Clear all</button>
      </div>
    </fieldset>
  );
}
