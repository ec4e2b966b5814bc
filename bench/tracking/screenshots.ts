/**
 * `deno run -A bench/tracking/screenshots.ts`: the README's pictures of anchored annotations, from a real
 * call on the synthetic feed. The expert (1440×900) drops two pins and an arrow while the scene is still;
 * the pictures are taken once the camera has panned (a pin left the picture: its edge marker) and zoomed in,
 * on the expert's desktop and on the technician's phone held sideways.
 */
import type { Page } from "playwright-core";
import { startSampling, state, until } from "./browser_pages.ts";
import { openFeedCall } from "./feed_call.ts";

const SHOTS = "docs/screenshots";
const DESKTOP = { width: 1440, height: 900 };

interface Picture {
  name: string;
  /** The feed frames (on the expert's page) it is taken in. */
  from: number;
  to: number;
  of: "expert" | "technician";
}

/** One call with the technician's phone held `phone`, taking `pictures`. */
async function call(phone: { width: number; height: number }, pictures: Picture[]) {
  const { tech, expert, close } = await openFeedCall({ tech: { ...phone, mobile: true }, expert: DESKTOP });
  try {
    await until(
      "tracking",
      async () => (await state(tech, "m.call.anchoring.pose.value?.state")) === "tracking",
    );
    await until(
      "poses on the expert",
      async () => (await state(expert, "m.call.anchoring.pose.value?.seq")) > 0,
    );
    await startSampling(expert);
    const frame = () => expert.evaluate("globalThis.__samples.at(-1)?.frame") as Promise<number | undefined>;
    await until("the scene at rest", async () => ((await frame()) ?? 100) < 20, 60_000);
    await drop(expert);
    for (const p of pictures) {
      await until(`frame ${p.from}–${p.to}`, async () => {
        const f = await frame();
        return f !== undefined && f >= p.from && f <= p.to;
      }, 60_000);
      await (p.of === "expert" ? expert : tech).screenshot({ path: `${SHOTS}/${p.name}.png` });
    }
  } finally {
    await close();
  }
}

/** The expert's drawings: two text pins and an arrow, anchored to the scene. */
async function drop(expert: Page) {
  const box = (await expert.locator("canvas.annotations").boundingBox())!;
  const rect = await state(expert, "m.drawn.value.rect");
  const at = (nx: number, ny: number) =>
    [box.x + rect.x + nx * rect.w, box.y + rect.y + ny * rect.h] as const;
  await expert.click('[data-tool="pin"]');
  for (const [text, x, y] of [["Disconnect here", 0.5, 0.45], ["Valve", 0.25, 0.6]] as const) {
    await expert.fill("#pin-text", text);
    await expert.mouse.click(...at(x, y));
  }
  await expert.click('[data-tool="arrow"]');
  await expert.mouse.move(...at(0.75, 0.25));
  await expert.mouse.down();
  await expert.mouse.move(...at(0.65, 0.4), { steps: 5 });
  await expert.mouse.up();
  const anchored = await state(expert, "m.call.board.annotations.value.filter((a) => a.anchor).length");
  if (anchored !== 3) throw new Error(`${anchored} of 3 drawings anchored`);
}

// After the pan (the Valve pin has left on the left) and at the end of the zoom in.
await call({ width: 390, height: 844 }, [{
  name: "anchored-pan-expert-desktop",
  from: 92,
  to: 140,
  of: "expert",
}]);
await call({ width: 844, height: 390 }, [
  { name: "anchored-zoom-technician-landscape", from: 215, to: 233, of: "technician" },
]);
console.log(`written to ${SHOTS}/anchored-*.png`);
