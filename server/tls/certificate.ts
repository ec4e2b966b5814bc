/**
 * Reads the HTTPS certificate and key named in the config, checks that they belong together,
 * and swaps them into a running server (SIGHUP), so a renewed certificate needs no restart.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Server as TlsServer } from "node:tls";
import type { Logger } from "pino";
import type { TlsPaths } from "../../fresh.config.ts";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Of the first (leaf) certificate in the file. */
  serialNumber: string;
  subject: string;
  validTo: Date;
}

const EXPIRY_WARNING_MS = 14 * 86_400_000;

/** Reads and validates the PEM files; throws an Error naming the file at fault. */
export async function readTlsMaterial(paths: TlsPaths): Promise<TlsMaterial> {
  const cert = await readPem(paths.certPath, "MOBIMAINT_TLS_CERT");
  const key = await readPem(paths.keyPath, "MOBIMAINT_TLS_KEY");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`MOBIMAINT_TLS_CERT ${paths.certPath} holds no valid PEM certificate: ${e}`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch (e) {
    throw new Error(`MOBIMAINT_TLS_KEY ${paths.keyPath} holds no valid PEM private key: ${e}`);
  }
  if (!matches) {
    throw new Error(
      `MOBIMAINT_TLS_KEY ${paths.keyPath} is not the key of the certificate in ${paths.certPath}`,
    );
  }
  return {
    cert,
    key,
    serialNumber: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ", "),
    validTo: new Date(leaf.validTo),
  };
}

async function readPem(path: string, setting: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${setting}: cannot read ${path}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Logs which certificate is in use, warning when it has expired or soon will. */
export function logTlsMaterial(log: Logger, event: string, m: TlsMaterial): void {
  const info = { event, serial: m.serialNumber, subject: m.subject, validTo: m.validTo.toISOString() };
  const left = m.validTo.getTime() - Date.now();
  if (left <= 0) log.error(info, "TLS certificate has expired");
  else if (left < EXPIRY_WARNING_MS) log.warn(info, "TLS certificate expires soon");
  else log.info(info, "TLS certificate loaded");
}

/**
 * Re-reads the files and, if they are valid, serves them to new connections (existing ones keep
 * theirs). A bad file is logged and the certificate in use is kept. Returns whether it swapped.
 */
export async function reloadTls(server: TlsServer, paths: TlsPaths, log: Logger): Promise<boolean> {
  let material: TlsMaterial;
  try {
    material = await readTlsMaterial(paths);
    server.setSecureContext({ cert: material.cert, key: material.key });
  } catch (e) {
    log.error(
      { event: "tls-reload-failed", err: e instanceof Error ? e.message : String(e) },
      "TLS reload failed; keeping the current certificate",
    );
    return false;
  }
  logTlsMaterial(log, "tls-reloaded", material);
  return true;
}
