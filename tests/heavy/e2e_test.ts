/**
 * End to end in real Chromium (two browser contexts = technician on a phone,
 * expert on a desktop) against a real server: login, live presence, a real
 * WebRTC call with annotations and chat, network drop recovery, reject,
 * cancel, history. Screenshots go to test-output/ and docs/screenshots/.
 * Skipped (never passed) when /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { hasChromium, launchChromium } from "../helpers/browser.ts";
import { callState, framesDecoded, login, videoFlowing, waitFor } from "../helpers/call_pages.ts";
import {
  assertLabelledAndFits,
  callStatesThen,
  drawArrowAndPin,
  focused,
  jsShipped,
  openTwoPages,
} from "../helpers/e2e_pages.ts";
import { shot } from "../helpers/ui.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const OUT = new URL("../../test-output/", import.meta.url);

Deno.test({
  name: "browser: login, presence, a real WebRTC call with annotations and chat, recovery, reject, cancel",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  // A short ring so the unanswered-call step is quick; every other call is answered within a second.
  const server: TestServer = await startTestServer({ MOBIMAINT_RING_TIMEOUT_MS: "4000" });
  const base = server.url;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const { techCtx, expertCtx, tech, expert } = await openTwoPages(browser);
    const printCallStates = callStatesThen(tech, expert);
    // Each step builds on the previous one: after a failure the rest are reported as ignored.
    let healthy = true;
    const step = async (name: string, fn: () => Promise<void>) => {
      healthy = await t.step({ name, ignore: !healthy, fn }) && healthy;
    };

    await step("login page: no JavaScript, errors inline, form post signs in", async () => {
      await expert.goto(`${base}/login`);
      assert.equal(await expert.locator("script").count(), 0);
      await expert.fill("#username", "user2");
      await expert.fill("#password", "wrong");
      await expert.click("button[type=submit]");
      await expert.locator("#login-error").waitFor();
      assert.match(await expert.locator("#login-error").innerText(), /Invalid username or password/);
      assert.equal(await expert.inputValue("#username"), "user2");
      await tech.goto(`${base}/login`);
      await shot(tech, "login-phone");
      await login(tech, base, "user1", "P");
      const cookies = await techCtx.cookies();
      const session = cookies.find((c) => c.name === "mobimaint_session");
      assert.ok(session?.httpOnly, "session cookie set, HttpOnly");
    });

    await step("technician sees the expert go offline → available live", async () => {
      await tech.locator('[data-expert="user2"][data-availability="offline"]').waitFor();
      await tech.locator(".pill-ok").waitFor(); // island hydrated, socket connected
      await tech.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload = true);
      await login(expert, base, "user2", "P");
      await expert.locator('[data-testid="availability"][data-availability="available"]').waitFor();
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor({ timeout: 5000 });
      assert.equal(await tech.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload), true);
      await shot(tech, "technician-home-phone");
    });

    let callId = "";
    await step("call → expert accepts → remote video decoding on both within 5 s", async () => {
      await tech.click('button[aria-label="Call user2"]');
      const dialog = expert.locator('[data-testid="incoming-call"]');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /user1/);
      await shot(expert, "expert-incoming-call-desktop");
      const accepted = Date.now();
      await expert.locator('[data-testid="incoming-call"] button', { hasText: "Accept" }).click();
      await Promise.all([tech.waitForURL(/\/call\//), expert.waitForURL(/\/call\//)]);
      callId = decodeURIComponent(new URL(tech.url()).pathname.split("/").pop()!);
      await waitFor("video decoding on both pages", async () => {
        const [a, b] = await Promise.all([framesDecoded(tech), framesDecoded(expert)]);
        return a > 0 && b > 0;
      }, 15_000).catch(async (e) => {
        for (const [who, page] of [["tech", tech], ["expert", expert]] as const) {
          const diag = await callState(
            page,
            "JSON.stringify({ events: m.call.events, peer: m.call.peerState.value })",
          );
          console.error(`[${who}] ${diag}`);
        }
        throw e;
      });
      const elapsed = Date.now() - accepted;
      console.log(`  remote video decoding on both pages ${elapsed} ms after accept`);
      assert.ok(elapsed < 5000, `video took ${elapsed} ms`);
      await tech.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    });

    await step(
      "expert draws an arrow and a text pin; the technician sees both at the same place",
      () => drawArrowAndPin(tech, expert),
    );

    await step("chat both ways; the quality badge reads the connection", async () => {
      await tech.locator('[data-testid="quality"]').waitFor();
      assert.match(
        await expert.locator('[data-testid="quality"]').innerText(),
        /\d+ ms · [\d.]+% loss · \d+ kbps/,
      );
      await tech.fill("#chat-input", "Hello from the site");
      await tech.press("#chat-input", "Enter");
      await expert.locator('[data-testid="chat-log"] li', { hasText: "Hello from the site" }).waitFor();
      await expert.fill("#chat-input", "Turn it clockwise");
      await expert.click(".chat-form button[type=submit]");
      await tech.locator('[data-testid="chat-log"] li', { hasText: "Turn it clockwise" }).waitFor();
    });

    await step("technician offline 1 s and back: the call recovers without user-left", async () => {
      await techCtx.setOffline(true);
      assert.equal(await tech.evaluate(() => navigator.onLine), false, "the page saw the network go away");
      await new Promise((r) => setTimeout(r, 1000));
      await techCtx.setOffline(false);
      await waitFor("video decoding again on both", async () => {
        const [a, b] = await Promise.all([videoFlowing(tech), videoFlowing(expert)]);
        return a && b;
      }, 15_000).catch(printCallStates);
      await waitFor(
        "signaling connected",
        async () => (await callState(tech, "m.call.signaling.value")) === "connected",
      );
      const counters = await callState(tech, "m.call.counters");
      console.log(
        `  technician: ${counters.connects} signaling connections, ${counters.iceRestarts} ICE restarts`,
      );
      assert.ok(counters.iceRestarts >= 1, "ICE restarted when the network came back");
      assert.ok(
        !(await callState(expert, "m.call.events")).includes("user-left"),
        "expert never saw user-left",
      );
      assert.ok(
        !(await callState(tech, "m.call.events")).includes("user-left"),
        "technician never saw user-left",
      );
    });

    await step(
      "technician reloads the call page: late join sees annotations and chat, video resumes",
      async () => {
        await tech.reload();
        await waitFor(
          "annotations replayed",
          async () => (await callState(tech, "m?.call.board.annotations.value.length")) === 2,
        );
        await tech.locator('[data-testid="chat-log"] li', { hasText: "Turn it clockwise" }).waitFor();
        await waitFor("video decoding again on both", async () => {
          const [a, b] = await Promise.all([videoFlowing(tech), videoFlowing(expert)]);
          return a && b;
        }, 15_000);
      },
    );

    await step("expert reloads the call page: video resumes on both", async () => {
      await expert.reload();
      await waitFor("video decoding again on both", async () => {
        const [a, b] = await Promise.all([videoFlowing(tech), videoFlowing(expert)]);
        return a && b;
      }, 15_000).catch(printCallStates);
      // The reloaded page gets the call's drawings when it joins, not necessarily before video flows.
      await waitFor(
        "the two drawings on the reloaded page",
        async () => (await callState(expert, "m.call.board.annotations.value.length")) === 2,
        5000,
      ).catch(async (e) => {
        throw new Error(`${e.message}: ${await callState(expert, "m.call.board.annotations.value.length")}`);
      });
    });

    await step("controls are labelled and pages fit a phone and a desktop", async () => {
      for (const page of [tech, expert]) await assertLabelledAndFits(page);
      // Keyboard: Tab reaches the drawing area and Enter drops a pin at the centre.
      await expert.focus("canvas.annotations");
      await expert.keyboard.press("Enter");
      await waitFor(
        "keyboard pin",
        async () => (await callState(tech, "m.call.board.annotations.value.length")) === 3,
      );
      await expert.click("button:has-text('Undo my last')");
      await waitFor(
        "undo",
        async () => (await callState(tech, "m.call.board.annotations.value.length")) === 2,
      );
    });

    await step("JavaScript shipped (gzip)", async () => {
      const cookie = (await techCtx.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      const loginJs = await jsShipped(base, "/login", "");
      const callJs = await jsShipped(base, `/call/${encodeURIComponent(callId)}`, cookie);
      const homeJs = await jsShipped(base, "/", cookie);
      console.log(
        `  JS shipped: login ${loginJs.gzip} B gzip (${loginJs.files} files), ` +
          `technician home ${homeJs.gzip} B gzip, call ${callJs.gzip} B gzip (${callJs.raw} B raw, ${callJs.files} files)`,
      );
      assert.equal(loginJs.files, 0);
      assert.ok(callJs.gzip > 0);
      await Deno.writeTextFile(
        new URL("js-size.json", OUT),
        JSON.stringify({ login: loginJs, home: homeJs, call: callJs }, null, 1),
      );
    });

    await step("end call → both return home and the call is in history", async () => {
      await tech.click("button:has-text('End call')");
      await Promise.all([tech.waitForURL(`${base}/`), expert.waitForURL(`${base}/`, { timeout: 10_000 })]);
      const row = `[data-testid="history"] [data-call-id="${callId}"]`;
      await tech.locator(row).waitFor();
      await expert.locator(row).waitFor();
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
      await expert.locator('[data-testid="availability"][data-availability="available"]').waitFor({
        timeout: 5000,
      });
    });

    await step("expert rejects in one tab → technician is told, the other tab's dialog closes", async () => {
      const secondTab = await expertCtx.newPage();
      await secondTab.goto(`${base}/`);
      await secondTab.locator('[data-testid="availability"][data-availability="available"]').waitFor();
      await tech.click('button[aria-label="Call user2"]');
      await secondTab.locator('[data-testid="incoming-call"]').waitFor();
      await expert.locator('[data-testid="incoming-call"] button', { hasText: "Decline" }).click();
      await tech.locator('[data-testid="notice"]', { hasText: "user2 declined the call." }).waitFor();
      await expert.locator('[data-testid="incoming-call"]').waitFor({ state: "detached" });
      await secondTab.locator('[data-testid="incoming-call"]').waitFor({ state: "detached", timeout: 5000 });
      await secondTab.locator('[data-testid="notice"]', { hasText: "declined on another device" }).waitFor();
      await secondTab.close();
    });

    await step("nobody answers → both sides are told when the ring times out", async () => {
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
      await tech.click('button[aria-label="Call user2"]');
      await expert.locator('[data-testid="incoming-call"]').waitFor();
      await tech.locator('[data-testid="notice"]', { hasText: "user2 did not answer." }).waitFor({
        timeout: 8000,
      });
      await expert.locator('[data-testid="incoming-call"]').waitFor({ state: "detached", timeout: 3000 });
      await expert.locator('[data-testid="notice"]', { hasText: "Missed call" }).waitFor();
    });

    await step("technician cancels while ringing → expert's dialog closes", async () => {
      await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
      await tech.click('button[aria-label="Call user2"]');
      await expert.locator('[data-testid="incoming-call"]').waitFor();
      await tech.click("button:has-text('Cancel call')");
      await expert.locator('[data-testid="incoming-call"]').waitFor({ state: "detached", timeout: 5000 });
      await expert.locator('[data-testid="notice"]', { hasText: "cancelled" }).waitFor();
    });

    await step(
      "keyboard: Escape declines an incoming call; sign out returns to the sign-in page",
      async () => {
        await tech.locator('[data-expert="user2"][data-availability="available"]').waitFor();
        await tech.click('button[aria-label="Call user2"]');
        await expert.locator('[data-testid="incoming-call"]').waitFor();
        // Both dialogs keep keyboard focus inside while open.
        assert.equal(await focused(expert, '[data-testid="incoming-call"]'), "Accept");
        for (const key of ["Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab"]) {
          await expert.keyboard.press(key);
          assert.match(
            await focused(expert, '[data-testid="incoming-call"]') ?? "",
            /^(Accept|Decline)$/,
            key,
          );
        }
        assert.equal(await focused(expert, '[data-testid="incoming-call"]'), "Decline");
        for (const key of ["Tab", "Shift+Tab", "Tab"]) {
          await tech.keyboard.press(key);
          assert.equal(await focused(tech, '[role="dialog"]'), "Cancel call", key);
        }
        await expert.keyboard.press("Tab"); // back to Accept
        await expert.keyboard.press("Escape"); // focus is on Accept inside the dialog
        await tech.locator('[data-testid="notice"]', { hasText: "user2 declined the call." }).waitFor();
        await Promise.all([tech.waitForURL(`${base}/login`), tech.click("button:has-text('Sign out')")]);
        assert.equal((await techCtx.cookies()).some((c) => c.name === "mobimaint_session"), false);
        await tech.goto(`${base}/`);
        assert.equal(new URL(tech.url()).pathname, "/login", "signed out: home redirects to sign in");
      },
    );
  } finally {
    await browser?.close();
    await server.close();
  }
});
