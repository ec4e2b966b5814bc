/**
 * Test certificates: a fresh development CA and a server certificate for localhost, mobimaint.test,
 * 127.0.0.1 and ::1, written as PEM files into a temp dir. Clients trust `caPem`; nothing disables
 * checks.
 */
import { type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { createHash, X509Certificate } from "node:crypto";
import {
  type Authority,
  createAuthority,
  type IssuedCert,
  issueServerCert,
} from "../../server/tls/dev_ca.ts";
import { api, type Json } from "./server.ts";

/** `mobimaint.test` is a non-loopback name (map it with Chromium's --host-resolver-rules). */
export const TEST_NAMES = { dnsNames: ["localhost", "mobimaint.test"], ipAddresses: ["127.0.0.1", "::1"] };

export interface TestCertificates {
  dir: string;
  /** The CA certificate, PEM: what a client must trust. */
  caPem: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** Hex serial of the server certificate now in certPath. */
  serialNumber: string;
  /** Writes a new server certificate (new key, new serial) from the same CA over certPath/keyPath. */
  reissue(): Promise<IssuedCert>;
}

export async function makeTestCertificates(dir?: string): Promise<TestCertificates> {
  const folder = dir ?? await Deno.makeTempDir({ prefix: "mobimaint-tls-" });
  const ca: Authority = await createAuthority("test");
  const caPath = join(folder, "ca.crt");
  const certPath = join(folder, "server.crt");
  const keyPath = join(folder, "server.key");
  await Deno.writeTextFile(caPath, ca.certPem);
  const write = async () => {
    const leaf = await issueServerCert(ca, TEST_NAMES);
    await Deno.writeTextFile(certPath, leaf.certPem);
    await Deno.writeTextFile(keyPath, leaf.keyPem, { mode: 0o600 });
    return leaf;
  };
  const first = await write();
  const certs: TestCertificates = {
    dir: folder,
    caPem: ca.certPem,
    caPath,
    certPath,
    keyPath,
    serialNumber: first.serialNumber,
    reissue: async () => {
      const leaf = await write();
      certs.serialNumber = leaf.serialNumber;
      return leaf;
    },
  };
  return certs;
}

/** A JSON request through `client` (a Deno.HttpClient trusting the test CA): helpers/server.ts api(). */
export function httpsApi(
  client: Deno.HttpClient,
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Json> {
  return api(base, method, path, { ...opts, client });
}

/**
 * A request over node:http(s), which (unlike fetch) sends a chosen Host header, as a reverse
 * proxy does. `caPem` is the CA to trust for https:// URLs.
 */
export function nodeRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; caPem?: string } = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; headers: IncomingHttpHeaders; body: any }> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  const send = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: opts.method ?? "GET", headers, ca: opts.caPem, servername: "localhost" },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => text += chunk);
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch { /* not JSON */ }
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

/**
 * Chromium flags that make it accept exactly the server certificate now in `certPath` (pinned by
 * the SHA-256 of its public key; any other certificate is still refused) and resolve
 * `mobimaint.test` to this machine. Chromium reads its trust store from NSS, which a test cannot
 * fill without extra tools; the pin keeps verification on for everything else.
 */
export async function chromiumTlsArgs(certs: TestCertificates): Promise<string[]> {
  const leaf = new X509Certificate(await Deno.readTextFile(certs.certPath));
  const spki = leaf.publicKey.export({ type: "spki", format: "der" });
  const pin = createHash("sha256").update(spki).digest("base64");
  return [
    `--ignore-certificate-errors-spki-list=${pin}`,
    "--host-resolver-rules=MAP mobimaint.test 127.0.0.1",
  ];
}
