/** The overlay canvases (annotations, anchored drawings) leave a blank canvas alone when there is nothing to draw. */
import assert from "node:assert/strict";
import { clearedOverlay } from "../components/call/canvas_frame.ts";

/** A canvas that counts what is done to its context, over an element of `w`×`h` CSS pixels. */
function fakeCanvas() {
  const calls: string[] = [];
  const ctx = {
    setTransform: () => calls.push("setTransform"),
    clearRect: () => calls.push("clearRect"),
  };
  const canvas = { width: 300, height: 150, getContext: () => ctx } as unknown as HTMLCanvasElement;
  return { canvas, calls };
}
const over = (w: number, h: number) => ({ clientWidth: w, clientHeight: h }) as HTMLElement;

Deno.test("an empty redraw of a blank overlay does not touch the canvas", () => {
  const { canvas, calls } = fakeCanvas();
  // First sized: resizing clears it, so nothing more is done.
  assert.equal(clearedOverlay(canvas, over(640, 360), true).ctx, null);
  assert.deepEqual([canvas.width, canvas.height, calls.length], [640, 360, 0]);
  // Every pose redraws the anchored layer: with nothing on it, the canvas is left as it is.
  for (let i = 0; i < 30; i++) assert.equal(clearedOverlay(canvas, over(640, 360), true).ctx, null);
  assert.equal(calls.length, 0);
  // Something drawn: cleared first, a context given.
  const drawn = clearedOverlay(canvas, over(640, 360));
  assert.ok(drawn.ctx);
  assert.deepEqual(calls, ["setTransform", "clearRect"]);
  // The last drawing removed: cleared once, then left alone again.
  assert.equal(clearedOverlay(canvas, over(640, 360), true).ctx, null);
  assert.equal(clearedOverlay(canvas, over(640, 360), true).ctx, null);
  assert.deepEqual(calls, ["setTransform", "clearRect", "setTransform", "clearRect"]);
  // A new size is a new, blank canvas.
  assert.deepEqual(clearedOverlay(canvas, over(320, 180), true), { ctx: null, w: 320, h: 180 });
  assert.equal(calls.length, 4);
});
