/**
 * A local development certificate authority: one CA (kept, so a phone that trusts it keeps
 * trusting it) and a server certificate it signs for this machine's names and addresses.
 * ECDSA P-256 keys through WebCrypto, certificates built with @peculiar/x509.
 */
import { hostname, networkInterfaces } from "node:os";
import * as x509 from "./x509.ts";

const KEY_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
/** Apple platforms refuse TLS server certificates valid for longer than 825 days; stay well inside. */
const SERVER_CERT_DAYS = 397;
const CA_DAYS = 3650;

export interface Pem {
  certPem: string;
  keyPem: string;
}

export interface Authority extends Pem {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface IssuedCert extends Pem {
  /** Hex serial number, as node:tls `getPeerCertificate().serialNumber` reports it (upper case). */
  serialNumber: string;
  dnsNames: string[];
  ipAddresses: string[];
  notAfter: Date;
}

/** localhost, the loopback addresses, the host name (and its mDNS `.local` form), every LAN address. */
export function machineNames(): { dnsNames: string[]; ipAddresses: string[] } {
  const host = hostname().toLowerCase();
  const dnsNames = ["localhost"];
  if (host && host !== "localhost") {
    dnsNames.push(host);
    if (!host.includes(".")) dnsNames.push(`${host}.local`);
  }
  const ipAddresses = ["127.0.0.1", "::1"];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // Link-local IPv6 needs a zone id in URLs; phones never reach the server that way.
      if (a.internal || a.address.toLowerCase().startsWith("fe80:")) continue;
      ipAddresses.push(a.address);
    }
  }
  return { dnsNames: unique(dnsNames), ipAddresses: unique(ipAddresses) };
}

const unique = (xs: string[]) => [...new Set(xs)];

/** A positive, random 128-bit serial number in hex. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x10; // positive and without a leading zero byte
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Escapes a value for an X.500 distinguished-name string. */
const dnValue = (s: string) => s.replace(/([,+"\\<>;=])/g, "\\$1");

export async function createAuthority(label = hostname()): Promise<Authority> {
  const keys = await crypto.subtle.generateKey(KEY_ALG, true, ["sign", "verify"]) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${dnValue(`MobiMaint Development CA (${label})`)}, O=MobiMaint development`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    signingAlgorithm: KEY_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** Loads an authority written earlier by {@link createAuthority} (PEM certificate + PKCS#8 key). */
export async function loadAuthority(certPem: string, keyPemText: string): Promise<Authority> {
  const cert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decodeFirst(keyPemText);
  const privateKey = await crypto.subtle.importKey("pkcs8", der, KEY_ALG, true, ["sign"]);
  const publicKey = await cert.publicKey.export(KEY_ALG, ["verify"]);
  return { cert, keys: { privateKey, publicKey }, certPem, keyPem: keyPemText };
}

/** Issues a TLS server certificate signed by `ca` for the given DNS names and IP addresses. */
export async function issueServerCert(
  ca: Authority,
  names: { dnsNames: string[]; ipAddresses: string[] },
): Promise<IssuedCert> {
  if (!names.dnsNames.length && !names.ipAddresses.length) throw new Error("No names to certify");
  const keys = await crypto.subtle.generateKey(KEY_ALG, true, ["sign", "verify"]) as CryptoKeyPair;
  const now = Date.now();
  const notAfter = new Date(now + SERVER_CERT_DAYS * DAY_MS);
  const serialNumber = randomSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `CN=${dnValue(names.dnsNames[0] ?? names.ipAddresses[0])}, O=MobiMaint development`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter,
    signingAlgorithm: KEY_ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...names.ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString("pem"),
    keyPem: await keyPem(keys.privateKey),
    serialNumber,
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    notAfter,
  };
}
