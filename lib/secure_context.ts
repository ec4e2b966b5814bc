/**
 * Browsers expose the camera and microphone (getUserMedia) only to secure contexts: https://
 * pages, or http://localhost. A phone that opens http://<server-address>:3000 gets no camera, so
 * the pages show this warning instead of failing silently. Pure, so it is unit-tested and shared.
 */

export interface PageLocation {
  protocol: string;
  hostname: string;
  /** hostname[:port], as `location.host`. */
  host?: string;
}

/**
 * The warning to show, or null when the page may use the camera. Pass `globalThis.isSecureContext`
 * (browsers count http://localhost as secure, so no warning appears there).
 */
export function insecureOriginWarning(location: PageLocation, isSecureContext: boolean): string | null {
  if (isSecureContext) return null;
  const opened = `${location.protocol}//${location.host || location.hostname}`;
  return `Camera and microphone are unavailable: this page was opened at ${opened}, which is not a ` +
    `secure (HTTPS) address, and browsers only allow the camera on secure pages. Open MobiMaint at ` +
    `its https:// address instead. If there is none, ask the administrator to enable ` +
    `HTTPS (see docs/operations.md, Deployment; for a local network, \`deno task cert\`).`;
}
