/** Ctrl+Z (⌘Z on a Mac) undoes your last drawing, except while typing in a text field. */
import { useEffect, useRef } from "preact/hooks";

export function useUndoKey(undo: () => void, enabled: boolean): void {
  const latest = useRef({ undo, enabled });
  latest.current = { undo, enabled };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== "z") return;
      if ((e.target as HTMLElement | null)?.closest?.("input, textarea, [contenteditable]")) return;
      if (!latest.current.enabled) return;
      e.preventDefault();
      latest.current.undo();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
