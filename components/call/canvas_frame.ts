/**
 * Sizes an overlay canvas to the element it covers (in device pixels) and clears it; returns the 2D
 * context, scaled to CSS pixels, and the CSS size. Shared by the annotation and anchored layers.
 */
export function clearedOverlay(
  c: HTMLCanvasElement,
  over: HTMLElement,
): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = over.clientWidth, h = over.clientHeight;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const ctx = c.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}
