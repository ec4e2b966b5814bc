/**
 * The reason for issue 9, shown in real Chromium: on a non-localhost name, plain HTTP gives no
 * camera API (and the shared warning says so), HTTPS with MobiMaint's certificate gives a camera.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { insecureOriginWarning } from "../../lib/secure_context.ts";
import { startTestServer } from "../helpers/server.ts";
import { chromiumTlsArgs, makeTestCertificates } from "../helpers/tls.ts";

interface Probe {
  secure: boolean;
  camera: boolean;
  tracks: number;
  warning: string | null;
}

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** What a page at `url` can do with the camera; runs insecureOriginWarning in the page itself. */
const probe = `(async () => {
  const warning = (${insecureOriginWarning.toString()})(location, isSecureContext);
  let tracks = 0;
  if (navigator.mediaDevices) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    tracks = stream.getVideoTracks().length;
    stream.getTracks().forEach((t) => t.stop());
  }
  return { secure: isSecureContext, camera: !!navigator.mediaDevices, tracks, warning };
})()`;

const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    console.warn(`Chromium not found at ${CHROMIUM}: browser tests skipped (apt-get install -y chromium)`);
    return false;
  }
})();

Deno.test({
  name: "Chromium: camera on https://mobimaint.test, none (and a warning) on http://mobimaint.test",
  ignore: !hasChromium,
}, async () => {
  const certs = await makeTestCertificates();
  const secure = await startTestServer({
    MOBIMAINT_TLS_CERT: certs.certPath,
    MOBIMAINT_TLS_KEY: certs.keyPath,
  });
  const plain = await startTestServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      ...await chromiumTlsArgs(certs),
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://mobimaint.test:${plain.port}/health`);
    const overHttp = await page.evaluate(probe) as Probe;
    assert.equal(overHttp.secure, false);
    assert.equal(overHttp.camera, false, "no getUserMedia on an insecure origin");
    assert.match(overHttp.warning ?? "", /http:\/\/mobimaint\.test:\d+.*not a secure \(HTTPS\) address/);

    await page.goto(`https://mobimaint.test:${secure.port}/health`);
    const overHttps = await page.evaluate(probe) as Probe;
    assert.deepEqual(overHttps, { secure: true, camera: true, tracks: 1, warning: null });

    // The pin is for this server's key only: another certificate, even for the same name, is refused.
    const other = await makeTestCertificates();
    const stranger = await startTestServer({
      MOBIMAINT_TLS_CERT: other.certPath,
      MOBIMAINT_TLS_KEY: other.keyPath,
    });
    try {
      await assert.rejects(
        page.goto(`https://mobimaint.test:${stranger.port}/health`),
        /ERR_CERT_AUTHORITY_INVALID/,
      );
    } finally {
      await stranger.close();
      await Deno.remove(other.dir, { recursive: true });
    }
  } finally {
    await browser.close();
    await secure.close();
    await plain.close();
    await Deno.remove(certs.dir, { recursive: true });
  }
});
