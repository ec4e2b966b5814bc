/**
 * Test certificates: a fresh development CA and a server certificate for localhost, 127.0.0.1
 * and ::1, written as PEM files into a temp dir. Clients trust `caPem`; nothing disables checks.
 */
import { join } from "node:path";
import {
  type Authority,
  createAuthority,
  type IssuedCert,
  issueServerCert,
} from "../../server/tls/dev_ca.ts";

export const TEST_NAMES = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"] };

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
