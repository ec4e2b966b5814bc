/**
 * Islands on the server: while a page renders, every component that comes
 * from `islands/` is wrapped in a marker element carrying its name and the
 * index of its JSON props, so the browser can hydrate exactly those parts.
 */
import { type ComponentType, h, options, type VNode } from "preact";

export const PROPS_ELEMENT_ID = "__FRESH_ISLAND_PROPS__";
export const WORKERS_ELEMENT_ID = "__FRESH_WORKERS__";
export const LAZY_ELEMENT_ID = "__FRESH_LAZY__";
export const ISLAND_ATTR = "data-fresh-island";
export const KEY_ATTR = "data-fresh-key";

/** What one page render collected. */
export interface IslandCollector {
  used: Set<string>;
  props: unknown[];
}

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;
const registry = new Map<AnyComponent, string>();
const wrappers = new Map<AnyComponent, AnyComponent>();
let current: IslandCollector | undefined;
let creatingInner = false;

export function registerIsland(name: string, component: AnyComponent): void {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`Bad island name "${name}"`);
  registry.set(component, name);
}

/** Throws unless `value` survives JSON unchanged: props cross the wire as JSON. */
export function assertJsonSafe(value: unknown, path = "props"): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) return value.forEach((v, i) => assertJsonSafe(v, `${path}[${i}]`));
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`${path} is not a plain object (island props must be JSON)`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) assertJsonSafe(v, `${path}.${k}`);
    }
    return;
  }
  throw new TypeError(`${path} is a ${typeof value} (island props must be JSON)`);
}

/** JSON for a `<script type="application/json">`: nothing in it can close the element. */
export function serializeProps(props: unknown[]): string {
  assertJsonSafe(props);
  return JSON.stringify(props).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function wrapperFor(component: AnyComponent, name: string): AnyComponent {
  let wrapper = wrappers.get(component);
  if (!wrapper) {
    wrapper = (props: Record<string, unknown>) => {
      if (!current) throw new Error("island rendered outside renderWithIslands()");
      const { children: _children, ...rest } = props;
      const key = current.props.length;
      current.props.push(rest);
      current.used.add(name);
      creatingInner = true;
      const inner = h(component, rest);
      creatingInner = false;
      return h("div", { [ISLAND_ATTR]: name, [KEY_ATTR]: String(key) }, inner);
    };
    wrappers.set(component, wrapper);
  }
  return wrapper;
}

const previousVnodeHook = options.vnode;
options.vnode = (vnode: VNode) => {
  const name = current && !creatingInner && typeof vnode.type === "function"
    ? registry.get(vnode.type as AnyComponent)
    : undefined;
  if (name) vnode.type = wrapperFor(vnode.type as AnyComponent, name);
  previousVnodeHook?.(vnode);
};

/** Runs a synchronous render and returns what islands it used. */
export function renderWithIslands<T>(render: () => T): { result: T; islands: IslandCollector } {
  const collector: IslandCollector = { used: new Set(), props: [] };
  const previous = current;
  current = collector;
  try {
    return { result: render(), islands: collector };
  } finally {
    current = previous;
  }
}
