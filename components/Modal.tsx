/**
 * A modal dialog over the page (the Technician's "Calling…" and the Expert's incoming call).
 * Focus moves into it when it opens (`initialFocus`, else its first control), Tab and Shift+Tab
 * stay inside, Escape calls `onEscape`, and focus returns where it was when it closes.
 */
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

interface ModalProps {
  role?: "dialog" | "alertdialog";
  className: string;
  labelledBy: string;
  describedBy?: string;
  testId?: string;
  onEscape: () => void;
  initialFocus?: RefObject<HTMLElement | null>;
  children: ComponentChildren;
}

export function Modal(props: ModalProps) {
  const box = useRef<HTMLDivElement>(null);
  const onEscape = useRef(props.onEscape);
  onEscape.current = props.onEscape;

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const controls = () => [...(box.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
    (props.initialFocus?.current ?? controls()[0])?.focus();
    // On the document, not the dialog: a click on the backdrop must not let Tab walk the page behind.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        onEscape.current();
        return;
      }
      if (e.key !== "Tab") return;
      const items = controls();
      if (!items.length) return;
      const at = items.indexOf(document.activeElement as HTMLElement);
      const next = at < 0 ? 0 : (at + (e.shiftKey ? -1 : 1) + items.length) % items.length;
      e.preventDefault();
      items[next].focus();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      if (before?.isConnected) before.focus();
    };
  }, []);

  return (
    <div class="overlay">
      <div
        ref={box}
        class={`dialog ${props.className}`}
        role={props.role ?? "dialog"}
        aria-modal="true"
        aria-labelledby={props.labelledBy}
        aria-describedby={props.describedBy}
        data-testid={props.testId}
      >
        {props.children}
      </div>
    </div>
  );
}
