/** Overlay canvases known to be blank: clearing one again would still hand the compositor a new frame. */
const blank = new WeakSet<HTMLCanvasElement>();

/**
 * Sizes an overlay canvas to the element it covers (in device pixels) and clears it; returns the 2D
 * context, scaled to CSS pixels, and the CSS size. Shared by the annotation and anchored layers.
 * `empty`: nothing will be drawn; the context is null and a canvas already blank is left alone (the anchored
 * layer redraws on every camera pose, and a new canvas frame on every redraw kept the page busy for nothing).
 */
export function clearedOverlay(
  c: HTMLCanvasElement,
  over: HTMLElement,
  empty = false,
): { ctx: CanvasRenderingContext2D | null; w: number; h: number } {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = over.clientWidth, h = over.clientHeight;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr); // which clears it
    c.height = Math.round(h * dpr);
    blank.add(c);
  }
  if (empty && blank.has(c)) return { ctx: null, w, h };
  const ctx = c.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (empty) {
    blank.add(c);
    return { ctx: null, w, h };
  }
  blank.delete(c);
  return { ctx, w, h };
}
