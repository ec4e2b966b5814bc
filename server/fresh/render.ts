/** Renders a page: `_app` shell around the route component, island markers, props and module scripts. */
import { type ComponentType, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { BundleSet } from "./bundle.ts";
import {
  LAZY_ELEMENT_ID,
  PROPS_ELEMENT_ID,
  renderWithIslands,
  serializeProps,
  WORKERS_ELEMENT_ID,
} from "./islands.ts";
import type { AppProps, PageProps } from "./types.ts";

export const JS_PREFIX = "/_fresh/js/";

export function renderPage<State>(opts: {
  // deno-lint-ignore no-explicit-any
  app?: ComponentType<AppProps<any>>;
  // deno-lint-ignore no-explicit-any
  page: ComponentType<PageProps<any, any>>;
  props: PageProps<unknown, State>;
  bundles: () => BundleSet;
}): string {
  const Page = () => h(opts.page, opts.props);
  const { url, state } = opts.props;
  const App = opts.app;
  const { result: html, islands } = renderWithIslands(() =>
    renderToString(App ? h(App, { Component: Page, url, state }) as VNode : h(Page, {}) as VNode)
  );
  let tail = "";
  if (islands.used.size) {
    const set = opts.bundles();
    const preload = new Set<string>();
    const scripts: string[] = [];
    const lazy = new Set<string>();
    for (const name of islands.used) {
      const entry = set.islands[name];
      if (!entry) throw new Error(`No bundle for island ${name}`);
      entry.imports.forEach((i) => preload.add(i));
      entry.lazy?.forEach((f) => lazy.add(f));
      scripts.push(`<script type="module" src="${JS_PREFIX}${entry.file}"></script>`);
    }
    const later = [...lazy].filter((f) => !preload.has(f)).map((f) => JS_PREFIX + f);
    const workers = Object.entries(set.workers ?? {}).map(([n, f]) => [n, JS_PREFIX + f]);
    tail =
      `<script type="application/json" id="${PROPS_ELEMENT_ID}">${serializeProps(islands.props)}</script>` +
      (workers.length
        ? `<script type="application/json" id="${WORKERS_ELEMENT_ID}">${
          serializeProps([Object.fromEntries(workers)])
        }</script>`
        : "") +
      (later.length
        ? `<script type="application/json" id="${LAZY_ELEMENT_ID}">${serializeProps([later])}</script>`
        : "") +
      [...preload].map((f) => `<link rel="modulepreload" href="${JS_PREFIX}${f}">`).join("") +
      scripts.join("");
  }
  const doc = html.includes("</body>") ? html.replace("</body>", `${tail}</body>`) : html + tail;
  return `<!DOCTYPE html>${doc}`;
}
