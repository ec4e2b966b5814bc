/** Real Chromium for the end-to-end tests (Debian `chromium` driven by playwright-core). */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
})();

if (!hasChromium) {
  console.warn(
    `Chromium not found at ${CHROMIUM_PATH}: browser tests are skipped. Install: apt-get install -y chromium`,
  );
}

/** Flags from DESIGN.md: headless, fake camera/microphone, loopback WebRTC between two pages. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--allow-loopback-in-peer-connection",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}
