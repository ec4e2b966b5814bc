/** Anchored annotations' geometry (lib/anchored.ts, lib/homography.ts): pure, shared by both pages. */
import assert from "node:assert/strict";
import { edgeMarker, edgeMarkerIn, isAnchorPose, place } from "../lib/anchored.ts";
import { pinLabelBox, type Rect } from "../lib/annotations.ts";
import { apply, IDENTITY, invert, mul } from "../lib/homography.ts";
import type { AnchorPose, Annotation } from "../lib/types.ts";

const shift = (dx: number, dy = 0) => [1, 0, dx, 0, 1, dy, 0, 0, 1];
const near = (a: number[], b: number[], eps = 1e-9) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < eps, `${a} ≈ ${b}`));
const pose = (m: number[], state: AnchorPose["state"] = "tracking", epoch = "e"): AnchorPose => ({
  epoch,
  seq: 1,
  state,
  pose: m,
});
const pin = (x: number, y: number, anchorPose = shift(0.1)): Annotation => ({
  id: "a",
  from: "u",
  text: "here",
  x,
  y,
  anchor: { epoch: "e", pose: anchorPose },
});

Deno.test("homography: inverse and product", () => {
  const m = [1.2, 0.1, 0.05, -0.08, 0.9, 0.1, 0.01, -0.02, 1];
  near(mul(m, invert(m)), IDENTITY, 1e-12);
  const [x, y] = apply(m, 0.3, 0.6);
  near(apply(invert(m), x, y), [0.3, 0.6], 1e-12);
});

Deno.test("an anchored pin follows the camera: drawn with pose A, shown through pose B · A⁻¹", () => {
  // Drawn at 0.5 while the reference was shifted by 0.1; the camera has since moved the scene by -0.2.
  const p = place(pin(0.5, 0.5), pose(shift(-0.1, 0.05)));
  near(p.at, [0.3, 0.55]);
  near([p.annotation.x, p.annotation.y], [0.3, 0.55]);
  assert.equal(p.onScreen, true);
  assert.equal(p.uncertain, false);
  assert.equal(p.annotation.text, "here");
});

Deno.test("off screen, lost tracking and another tracker session", () => {
  const gone = place(pin(0.5, 0.5), pose(shift(-0.8)));
  assert.equal(gone.onScreen, false);
  near(gone.at, [-0.4, 0.5]);
  near(edgeMarker(gone.at), [0.04, 0.5]);
  near(edgeMarker([2, 2]), [0.96, 0.96]);
  near(edgeMarker([0.5, -3]), [0.5, 0.04]);
  // Lost: still drawn through the last pose, but uncertain.
  const lost = place(pin(0.5, 0.5), pose(shift(0.1), "lost"));
  near(lost.at, [0.5, 0.5]);
  assert.equal(lost.uncertain, true);
  // A pose of another epoch (the tracker restarted) cannot be related: where it was drawn, uncertain.
  for (const p of [place(pin(0.4, 0.6), pose(shift(0.3), "tracking", "other")), place(pin(0.4, 0.6), null)]) {
    near(p.at, [0.4, 0.6]);
    assert.equal(p.uncertain, true);
  }
});

Deno.test("an edge marker shows whole inside the picture, with its pin's text readable beside it (phone and desktop)", () => {
  near(edgeMarker([-1, 0.5], [0.05, 0.1]), [0.05, 0.5]);
  near(edgeMarker([0.5, 5], [0.05, 0.1]), [0.5, 0.9]);
  near(edgeMarker([3, 3], [0.05, 0.1]), [0.9, 0.9]);
  const rects: Rect[] = [{ x: 0, y: 129, w: 390, h: 219 }, { x: 0, y: 0, w: 844, h: 390 }, {
    x: 0,
    y: 105,
    w: 1049,
    h: 590,
  }];
  const PAD = 6; // the label's padding before its text (lib/annotations.ts)
  for (const r of rects) {
    for (
      const at of [[-0.4, 0.5], [1.3, 0.6], [0.3, -0.5], [0.8, 1.7], [-1, -1], [2, 2], [-0.2, 1.4]] as const
    ) {
      const { edge, triangle } = edgeMarkerIn([at[0], at[1]], r);
      for (const [x, y] of triangle) {
        assert.ok(x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h, `${at} in ${r.w}×${r.h}: inside`);
      }
      // The pin's label beside the marker: its text starts clear of the triangle.
      const [mx, my] = [r.x + edge[0] * r.w, r.y + edge[1] * r.h];
      const box = pinLabelBox(edge[0], [mx, my], 80, r);
      const text = { x0: box.x + PAD, x1: box.x + box.w - PAD, y0: box.y, y1: box.y + box.h };
      for (const [x, y] of triangle) {
        const inText = x > text.x0 && x < text.x1 && y > text.y0 && y < text.y1;
        assert.ok(!inText, `${at} in ${r.w}×${r.h}: the triangle covers the label's text`);
      }
    }
  }
});

Deno.test("rectangles and ellipses become outlines mapped point by point (they can rotate)", () => {
  const rot = (deg: number) => {
    const a = (deg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
    return [c, -s, 0.5 - 0.5 * c + 0.5 * s, s, c, 0.5 - 0.5 * s - 0.5 * c, 0, 0, 1]; // about the centre
  };
  const rect: Annotation = {
    ...pin(0.4, 0.4, IDENTITY),
    kind: "rect",
    points: [[0.4, 0.4], [0.6, 0.6]],
  };
  const r = place(rect, pose(rot(90)));
  assert.equal(r.annotation.kind, "stroke");
  assert.equal(r.annotation.points!.length, 5);
  near(r.annotation.points![1], [0.6, 0.6]); // corner (0.6, 0.4) turned by 90° about the centre
  const e = place({ ...rect, kind: "ellipse" }, pose(IDENTITY));
  assert.equal(e.annotation.points!.length, 33);
  near(e.annotation.points![0], [0.6, 0.5]);
});

Deno.test("poses from a peer are checked", () => {
  assert.equal(isAnchorPose(pose(IDENTITY)), true);
  for (
    const bad of [
      null,
      { ...pose(IDENTITY), pose: [1, 0, 0] },
      { ...pose(IDENTITY), pose: [0, 0, 0, 0, 0, 0, 0, 0, 0] },
      { ...pose(IDENTITY), pose: [1, 0, 0, 0, 1, 0, 0, 0, NaN] },
      { ...pose(IDENTITY), state: "sure" },
      { ...pose(IDENTITY), epoch: "" },
      { ...pose(IDENTITY), seq: 1.5 },
    ]
  ) assert.equal(isAnchorPose(bad), false, JSON.stringify(bad));
});
