/**
 * The call-page checks of the new-user browser test (issue #18), each a step's body: pin labels inside
 * the frame, who drew what and undo, camera off and muted, the expert's self-view at 800×600, and the
 * technician's phone held sideways.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DESKTOP, LANDSCAPE, PHONE, SMALL_DESKTOP } from "./new_user_pages.ts";
import { box, overlap, pageState, shot, waitFor } from "./ui.ts";

/**
 * The expert pins two labels near opposite edges, the second with a double tap: two pins, both inside the
 * frame, on the same side on both screens.
 */
export async function assertPinLabelsInFrame(tech: Page, expert: Page) {
  await waitFor("frame size", async () => (await pageState(expert, "m.drawn.value.rect.w")) > 0);
  const canvas = (await expert.locator("canvas.annotations").boundingBox())!;
  const rect = await pageState(expert, "m.drawn.value.rect");
  const at = (nx: number, ny: number) =>
    [canvas.x + rect.x + nx * rect.w, canvas.y + rect.y + ny * rect.h] as const;
  // Pins stuck to the screen: whether the fake camera is tracked (anchored pins, drawn through the
  // camera's pose) depends on its texture; tests/heavy/tracking_browser_test.ts covers those.
  await expert.uncheck('[data-testid="stick-toggle"]');
  await expert.click('[data-tool="pin"]');
  await expert.fill("#pin-text", "Disconnect the main breaker first");
  await expert.mouse.click(...at(0.85, 0.5));
  await expert.fill("#pin-text", "Open this valve");
  // A double tap places one pin, not two on top of each other.
  await expert.mouse.dblclick(...at(0.12, 0.3));
  for (const page of [tech, expert]) {
    await waitFor("two labels", async () => (await pageState(page, "m.drawn.value.labels.length")) === 2);
  }
  await new Promise((r) => setTimeout(r, 600));
  for (const page of [tech, expert]) {
    assert.equal(await pageState(page, "m.call.board.annotations.value.length"), 2, "one pin per double tap");
  }
  const read = async (page: Page) => {
    const { rect: r, labels } = await pageState(page, "m.drawn.value");
    for (const l of labels) {
      assert.ok(
        l.x >= r.x && l.x + l.w <= r.x + r.w + 0.5,
        `label inside the frame: ${JSON.stringify({ l, r })}`,
      );
      assert.ok(l.y >= r.y && l.y + l.h <= r.y + r.h + 0.5);
    }
    return labels.map((l: { id: string; side: string }) => `${l.id}:${l.side}`).sort();
  };
  const [mine, theirs] = [await read(expert), await read(tech)];
  assert.deepEqual(theirs, mine);
  assert.ok(
    mine.some((s: string) => s.endsWith(":left")) && mine.some((s: string) => s.endsWith(":right")),
  );
  await expert.check('[data-testid="stick-toggle"]');
}

/**
 * The technician draws an arrow in its own default colour; the expert's Ctrl+Z undoes the expert's last drawing only.
 */
export async function drawThenUndo(tech: Page, expert: Page) {
  await tech.click('[data-tool="arrow"]');
  await tech.locator('[data-tool="arrow"][aria-pressed="true"]').waitFor();
  await tech.evaluate(() => scrollTo(0, 0));
  const canvas = (await tech.locator("canvas.annotations").boundingBox())!;
  const rect = await pageState(tech, "m.drawn.value.rect");
  const at = (nx: number, ny: number) =>
    [canvas.x + rect.x + nx * rect.w, canvas.y + rect.y + ny * rect.h] as const;
  await tech.mouse.move(...at(0.3, 0.7));
  await tech.mouse.down();
  await tech.mouse.move(...at(0.5, 0.6), { steps: 4 });
  await tech.mouse.up();
  await waitFor(
    "three annotations",
    async () => (await pageState(expert, "m.call.board.annotations.value.length")) === 3,
  );
  const colours = await pageState(
    expert,
    "Object.fromEntries(m.call.board.annotations.value.map((a) => [a.from, a.color]))",
  );
  assert.notEqual(
    colours.user1,
    colours.user2,
    "technician and expert draw in different colours by default",
  );
  await expert.focus("canvas.annotations");
  await expert.keyboard.press("Control+z");
  await waitFor(
    "undone on the technician",
    async () => (await pageState(tech, "m.call.board.annotations.value.length")) === 2,
  );
  const left = await pageState(tech, "m.call.board.annotations.value.map((a) => `${a.from}:${a.kind}`)");
  assert.deepEqual(left.sort(), ["user1:arrow", "user2:pin"]);
}

/** The technician turns the camera off and mutes: the expert is told so and sees no connection warning. */
export async function assertCameraOffAndMuted(tech: Page, expert: Page) {
  await tech.click("button:has-text('Camera off')");
  await tech.click("button:has-text('Mute')");
  await expert.locator('[data-testid="peer-camera-off"]', { hasText: "user1's camera is off" }).waitFor({
    timeout: 3000,
  });
  await expert.locator('[data-testid="peer-muted"]', { hasText: "user1 is muted" }).waitFor();
  // The last frame received would look live: the expert's picture says the camera is off instead, the
  // technician's too, and neither takes a still of a camera that is off (button or F key).
  await expert.locator('[data-testid="main-camera-off"]', { hasText: "user1's camera is off" }).waitFor();
  assert.equal(
    await expert.locator(".video-main > video").evaluate((v) => getComputedStyle(v).visibility),
    "hidden",
  );
  await tech.locator('[data-testid="main-camera-off"]', { hasText: "Your camera is off" }).waitFor();
  await expert.locator('[data-testid="inset-camera-off"]').waitFor({ state: "detached", timeout: 1000 });
  for (const page of [expert, tech]) {
    assert.ok(
      await page.locator('[data-testid="freeze"]').isDisabled(),
      "Freeze disabled while the camera is off",
    );
    assert.ok(await page.locator('[data-testid="save-snapshot"]').isDisabled(), "Save disabled too");
  }
  await expert.focus("canvas.annotations");
  await expert.keyboard.press("f");
  await expert.locator(".banners .alert-warn", { hasText: "The technician's camera is off" }).waitFor({
    timeout: 3000,
  });
  assert.equal(await pageState(expert, "m.call.freeze.busy.value"), null, "no still asked for");
  await expert.keyboard.press("f");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await expert.locator(".banners .alert-warn").count(), 1, "the same warning twice shows once");
  // Nothing to draw on: no drawings over "camera is off", the tools paused with the reason said.
  for (const [page, whose] of [[expert, "user1's"], [tech, "your"]] as const) {
    await page.locator('[data-testid="drawing-paused"]', {
      hasText: `Drawing is paused while ${whose} camera is off`,
    }).waitFor({ timeout: 3000 });
    assert.ok(await page.locator('[data-tool="pin"]').isDisabled(), "drawing tools disabled");
    assert.equal(await pageState(page, "m.drawn.value.count"), 0, "no drawings over a camera that is off");
  }
  const drawings = await pageState(expert, "m.call.board.annotations.value.length");
  await expert.locator("canvas.annotations").click();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    await pageState(expert, "m.call.board.annotations.value.length"),
    drawings,
    "a tap on the picture draws nothing while the camera is off",
  );
  // Nothing to track while the camera is off: both sides say so rather than "lost, searching".
  for (const page of [expert, tech]) {
    await page.locator('[data-testid="tracking-status"][data-state="camera-off"]', {
      hasText: "paused while the camera is off",
    }).waitFor({ timeout: 3000 });
  }
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(
      await expert.locator(".banners .alert", { hasText: "connection" }).count(),
      0,
      "no warning",
    );
    const level = await pageState(expert, "m.call.quality.value?.level");
    assert.ok(level !== "fair" && level !== "poor", `quality ${level}`);
  }
  await tech.click("button:has-text('Camera on')");
  await tech.click("button:has-text('Unmute')");
  await expert.locator('[data-testid="peer-camera-off"]').waitFor({ state: "detached", timeout: 3000 });
  await expert.locator('[data-testid="peer-muted"]').waitFor({ state: "detached" });
  await expert.locator('[data-testid="main-camera-off"]').waitFor({ state: "detached", timeout: 3000 });
  await tech.locator('[data-testid="main-camera-off"]').waitFor({ state: "detached", timeout: 3000 });
  for (const page of [expert, tech]) {
    await page.locator('[data-testid="drawing-paused"]').waitFor({ state: "detached", timeout: 3000 });
    await waitFor(
      "the drawings back",
      async () => (await pageState(page, "m.drawn.value.count")) === drawings,
    );
  }
  assert.equal(
    await expert.locator(".video-main > video").evaluate((v) => getComputedStyle(v).visibility),
    "visible",
  );
  assert.ok(await expert.locator('[data-testid="freeze"]').isEnabled(), "Freeze back with the camera");
  // The expert's camera off: the phone's small picture says so; the technician's picture is untouched.
  await expert.click("button:has-text('Camera off')");
  await tech.locator('[data-testid="inset-camera-off"]', { hasText: "Camera off" }).waitFor({
    timeout: 3000,
  });
  assert.equal(await expert.locator('[data-testid="main-camera-off"]').count(), 0);
  assert.ok(await tech.locator('[data-testid="freeze"]').isEnabled(), "the technician's camera is still on");
  await expert.click("button:has-text('Camera on')");
  await tech.locator('[data-testid="inset-camera-off"]').waitFor({ state: "detached", timeout: 3000 });
  // A warning goes away by itself (10 s after it was last given).
  await expert.locator(".banners .alert-warn").waitFor({ state: "detached", timeout: 12_000 });
  await expert.locator('[data-testid="tracking-status"][data-state="camera-off"]').waitFor({
    state: "detached",
    timeout: 3000,
  });
}

/** At 800×600 the expert's self-view is small, moves to another corner (button or drag) and hides. */
export async function moveAndHideSelfView(expert: Page) {
  await expert.setViewportSize(SMALL_DESKTOP);
  const inset = ".video-inset";
  await new Promise((r) => setTimeout(r, 300));
  const main = await box(expert, ".video-main");
  const first = await box(expert, inset);
  assert.ok(
    first.width * first.height < main.width * main.height * 0.1,
    "covers under a tenth of the picture",
  );
  await expert.click('button[aria-label="Move your camera to another corner"]');
  await expert.locator(`${inset}[data-corner="bottom-right"]`).waitFor();
  // Drag it to the bottom-left corner.
  const b = await box(expert, inset);
  await expert.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await expert.mouse.down();
  await expert.mouse.move(main.x + 60, b.y + b.height / 2, { steps: 8 });
  await expert.mouse.up();
  await expert.locator(`${inset}[data-corner="bottom-left"]`).waitFor();
  await shot(expert, "call-expert-small-desktop");
  await expert.click('button[aria-label="Hide your camera"]');
  assert.equal(await expert.locator(inset).isVisible(), false);
  await expert.click("button:has-text('Show your camera')");
  assert.equal(await expert.locator(inset).isVisible(), true);
  await expert.setViewportSize(DESKTOP);
}

/**
 * The technician's phone sideways: a small self-view clear of the controls and tools, all in view, no scroll.
 */
export async function assertLandscapeLayout(tech: Page) {
  await tech.setViewportSize(LANDSCAPE);
  await new Promise((r) => setTimeout(r, 400));
  const main = await box(tech, ".video-main");
  const inset = await box(tech, ".video-inset");
  assert.ok(inset.height <= main.height * 0.5, `inset ${inset.height}px in a ${main.height}px picture`);
  assert.ok(!overlap(inset, await box(tech, ".call-controls")), "inset clear of the call controls");
  assert.ok(!overlap(inset, await box(tech, ".tools")), "inset clear of the drawing tools");
  for (const sel of ['[data-testid="connection"]', ".call-controls"]) {
    const b = await box(tech, sel);
    assert.ok(b.y >= 0 && b.y + b.height <= LANDSCAPE.height, `${sel} in view`);
  }
  const below = await tech.evaluate(() =>
    [...document.querySelectorAll("body *")].filter((e) =>
      !e.closest(".call-side") && e.getBoundingClientRect().bottom > innerHeight + 1
    )
      .map((e) => `${e.tagName}.${e.className}:${Math.round(e.getBoundingClientRect().bottom)}`)
  );
  assert.deepEqual(below, [], "nothing below the screen");
  assert.ok(
    await tech.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1),
    "no page scroll",
  );
  await shot(tech, "call-technician-landscape");
  // On a bad link the badge on the picture says so; the banner that explains it at length takes no height
  // from a sideways picture. Upright there is room for it.
  const poor = await whileQualityPoor(tech);
  assert.equal(poor.alertHeight, 0, "no quality banner sideways");
  assert.ok(
    Math.abs(poor.pictureHeight - main.height) < 1,
    `the picture keeps its height on a poor link (${poor.pictureHeight}px, ${main.height}px before)`,
  );
  assert.ok(
    poor.badge.y >= 0 && poor.badge.y + poor.badge.height <= LANDSCAPE.height,
    "quality badge in view",
  );
  await shot(tech, "call-technician-landscape-poor-link");
  await tech.setViewportSize(PHONE);
  assert.ok((await whileQualityPoor(tech)).alertHeight > 0, "the quality banner upright");
}

/**
 * Layout while the call's quality reads poor (packet loss), as the link watch reports it on a lossy link. The
 * watch replaces it with a real sample every second: set, rendered and measured within two frames, tried
 * again when a sample came between.
 */
async function whileQualityPoor(page: Page) {
  for (let i = 0; i < 20; i++) {
    const layout = await page.evaluate(async () => {
      const m = (globalThis as { __mobimaint?: { call: { quality: { value: unknown } } } }).__mobimaint!;
      m.call.quality.value = {
        level: "poor",
        limit: "loss",
        rttMs: 320,
        lossPct: 12,
        kbps: 88,
        framesDecoded: 1,
      };
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const badge = document.querySelector('[data-testid="quality"][data-limit="loss"]');
      const alert = document.querySelector('[data-testid="quality-alert"]');
      if (!badge || !alert) return null;
      const { x, y, width, height } = badge.getBoundingClientRect();
      return {
        badge: { x, y, width, height },
        alertHeight: alert.getBoundingClientRect().height,
        pictureHeight: document.querySelector(".video-main")!.getBoundingClientRect().height,
      };
    });
    if (layout) return layout;
  }
  throw new Error("the poor quality state was never rendered");
}
