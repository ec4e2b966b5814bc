/** Browser side of the islands: hydrate every marker of one island with its JSON props. */
import { type ComponentType, h, hydrate } from "preact";

let allProps: unknown[] | undefined;

// deno-lint-ignore no-explicit-any
export function boot(name: string, component: ComponentType<any>): void {
  allProps ??= JSON.parse(document.getElementById("__FRESH_ISLAND_PROPS__")?.textContent || "[]");
  for (const el of document.querySelectorAll<HTMLElement>(`[data-fresh-island="${name}"]`)) {
    const props = allProps![Number(el.dataset.freshKey)] as Record<string, unknown>;
    hydrate(h(component, props), el);
  }
}

/** The URL of the module worker bundled from `workers/<name>.ts`, when the page has it. */
export function workerUrl(name: string): string | undefined {
  const el = document.getElementById("__FRESH_WORKERS__");
  return el ? (JSON.parse(el.textContent || "[{}]")[0] as Record<string, string>)[name] : undefined;
}

/**
 * Starts fetching every module the page's islands import lazily, all at once (no waterfall of imports
 * discovered one by one), so a later `import()` finds them loaded. For when the page is idle.
 */
export function preloadLazy(): void {
  const el = document.getElementById("__FRESH_LAZY__");
  if (!el || el.dataset.preloaded) return;
  el.dataset.preloaded = "1";
  for (const href of (JSON.parse(el.textContent || "[[]]") as string[][])[0]) {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = href;
    document.head.append(link);
  }
}
