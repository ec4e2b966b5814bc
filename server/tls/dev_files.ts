/**
 * `deno task cert`'s work: keep (or create) the development CA in a folder and write a fresh
 * server certificate for this machine next to it. The CA is reused on purpose: phones that were
 * told to trust it keep working after the certificate is re-issued for new addresses.
 */
import { join } from "node:path";
import {
  type Authority,
  createAuthority,
  type IssuedCert,
  issueServerCert,
  loadAuthority,
} from "./dev_ca.ts";

export const CA_CERT_FILE = "mobimaint-ca.crt";
export const CA_KEY_FILE = "mobimaint-ca.key";
export const SERVER_CERT_FILE = "server.crt";
export const SERVER_KEY_FILE = "server.key";

export interface DevCertificates {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  certPath: string;
  keyPath: string;
  caCreated: boolean;
  caSubject: string;
  server: IssuedCert;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

export async function writeDevCertificates(
  dir: string,
  names: { dnsNames: string[]; ipAddresses: string[] },
  opts: { newCa?: boolean } = {},
): Promise<DevCertificates> {
  await Deno.mkdir(dir, { recursive: true });
  const caCertPath = join(dir, CA_CERT_FILE);
  const caKeyPath = join(dir, CA_KEY_FILE);
  let ca: Authority;
  const reuse = !opts.newCa && await exists(caCertPath) && await exists(caKeyPath);
  if (reuse) {
    try {
      ca = await loadAuthority(await Deno.readTextFile(caCertPath), await Deno.readTextFile(caKeyPath));
    } catch (e) {
      throw new Error(`Cannot use the CA in ${dir} (${e}); run again with --new-ca to replace it`);
    }
  } else {
    ca = await createAuthority();
    await Deno.writeTextFile(caKeyPath, ca.keyPem, { mode: 0o600 });
    await Deno.writeTextFile(caCertPath, ca.certPem);
  }
  const server = await issueServerCert(ca, names);
  const certPath = join(dir, SERVER_CERT_FILE);
  const keyPath = join(dir, SERVER_KEY_FILE);
  // Key first: a server reloading on SIGHUP between the two writes rejects the mismatched pair.
  await Deno.writeTextFile(keyPath, server.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(certPath, server.certPem);
  return {
    dir,
    caCertPath,
    caKeyPath,
    certPath,
    keyPath,
    caCreated: !reuse,
    caSubject: ca.cert.subject,
    server,
  };
}
