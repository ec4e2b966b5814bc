/** Pure parts of the HTTPS work: settings, forwarded headers, the insecure-page warning, cert files. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "../fresh.config.ts";
import { insecureOriginWarning } from "../lib/secure_context.ts";
import { resolveClient } from "../server/api/forwarded.ts";
import { readTlsMaterial } from "../server/tls/certificate.ts";
import { machineNames } from "../server/tls/dev_ca.ts";
import { writeDevCertificates } from "../server/tls/dev_files.ts";
import { makeTestCertificates } from "./helpers/tls.ts";

Deno.test("config: TLS files and trust-proxy hops", () => {
  assert.equal(loadConfig({}).tls, undefined);
  assert.equal(loadConfig({}).trustProxyHops, 0);
  assert.deepEqual(loadConfig({ MOBIMAINT_TLS_CERT: "c.pem", MOBIMAINT_TLS_KEY: "k.pem" }).tls, {
    certPath: "c.pem",
    keyPath: "k.pem",
  });
  assert.throws(() => loadConfig({ MOBIMAINT_TLS_CERT: "c.pem" }), /must be set together/);
  assert.throws(() => loadConfig({ MOBIMAINT_TLS_KEY: "k.pem" }), /must be set together/);
  for (
    const [v, hops] of [["1", 1], ["true", 1], ["yes", 1], ["2", 2], ["0", 0], ["false", 0], ["", 0]] as const
  ) {
    assert.equal(loadConfig({ MOBIMAINT_TRUST_PROXY: v }).trustProxyHops, hops, `MOBIMAINT_TRUST_PROXY=${v}`);
  }
});

Deno.test("forwarded headers: ignored unless trusted, and only the trusted hops are believed", () => {
  const peer = {
    remoteAddress: "10.0.0.2",
    encrypted: false,
    forwardedFor: "198.51.100.7, 203.0.113.5",
    forwardedProto: "https",
  };
  assert.deepEqual(resolveClient(peer, 0), { ip: "10.0.0.2", https: false });
  // One proxy (10.0.0.2) appended the address it saw; the leftmost entry is the client's own claim.
  assert.deepEqual(resolveClient(peer, 1), { ip: "203.0.113.5", https: true });
  assert.deepEqual(resolveClient(peer, 2), { ip: "198.51.100.7", https: true });
  assert.deepEqual(resolveClient(peer, 5), { ip: "198.51.100.7", https: true });
  assert.deepEqual(
    resolveClient({ ...peer, forwardedFor: undefined, forwardedProto: undefined }, 1),
    { ip: "10.0.0.2", https: false },
  );
  assert.deepEqual(resolveClient({ ...peer, forwardedProto: "https, http" }, 1).https, false);
  assert.deepEqual(resolveClient({ ...peer, forwardedProto: "HTTPS" }, 1).https, true);
  assert.deepEqual(resolveClient({ ...peer, encrypted: true, forwardedProto: undefined }, 0).https, true);
  assert.equal(resolveClient({ ...peer, remoteAddress: "::ffff:192.0.2.1" }, 0).ip, "192.0.2.1");
  assert.equal(resolveClient({ ...peer, remoteAddress: undefined }, 0).ip, "unknown");
});

Deno.test("insecure-origin warning: only when the browser says the page is not a secure context", () => {
  const msg = insecureOriginWarning({
    protocol: "http:",
    hostname: "192.168.1.20",
    host: "192.168.1.20:3000",
  }, false);
  assert.ok(msg);
  assert.match(msg, /http:\/\/192\.168\.1\.20:3000/);
  assert.match(msg, /camera/i);
  assert.match(msg, /https:\/\//);
  assert.equal(insecureOriginWarning({ protocol: "https:", hostname: "mobimaint.example" }, true), null);
  assert.equal(
    insecureOriginWarning({ protocol: "http:", hostname: "localhost", host: "localhost:3000" }, true),
    null,
  );
  assert.match(insecureOriginWarning({ protocol: "http:", hostname: "tablet" }, false)!, /http:\/\/tablet/);
});

Deno.test("dev CA: machine names, reuse of the CA, files readable by the server loader", async () => {
  const names = machineNames();
  assert.ok(names.dnsNames.includes("localhost"));
  for (const ip of ["127.0.0.1", "::1"]) assert.ok(names.ipAddresses.includes(ip));

  const dir = await Deno.makeTempDir({ prefix: "mobimaint-cert-" });
  const first = await writeDevCertificates(dir, names);
  assert.equal(first.caCreated, true);
  assert.equal((await Deno.stat(first.caKeyPath)).mode! & 0o077, 0, "CA key readable by others");
  assert.equal((await Deno.stat(first.keyPath)).mode! & 0o077, 0, "server key readable by others");
  const again = await writeDevCertificates(dir, names);
  assert.equal(again.caCreated, false);
  assert.notEqual(again.server.serialNumber, first.server.serialNumber);

  const ca = new X509Certificate(await Deno.readTextFile(first.caCertPath));
  const leaf = new X509Certificate(await Deno.readTextFile(again.certPath));
  assert.ok(ca.ca);
  assert.ok(!leaf.ca);
  assert.ok(
    leaf.checkIssued(ca) && leaf.verify(ca.publicKey),
    "re-issued certificate is signed by the kept CA",
  );
  for (const n of names.dnsNames) assert.ok(leaf.checkHost(n), `certificate covers ${n}`);
  for (const ip of names.ipAddresses) assert.ok(leaf.checkIP(ip), `certificate covers ${ip}`);
  assert.equal(leaf.checkHost("elsewhere.example"), undefined);

  const material = await readTlsMaterial({ certPath: again.certPath, keyPath: again.keyPath });
  assert.equal(material.serialNumber, again.server.serialNumber);

  const renewed = await writeDevCertificates(dir, names, { newCa: true });
  assert.equal(renewed.caCreated, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cert loader: a full-chain file (leaf first, then the CA) is accepted", async () => {
  const certs = await makeTestCertificates();
  const leafPem = await Deno.readTextFile(certs.certPath);
  await Deno.writeTextFile(certs.certPath, leafPem + certs.caPem);
  const material = await readTlsMaterial({ certPath: certs.certPath, keyPath: certs.keyPath });
  assert.equal(material.serialNumber, certs.serialNumber);
  assert.equal(material.cert, leafPem + certs.caPem);
  await Deno.remove(certs.dir, { recursive: true });
});

Deno.test("cert loader: names the bad file", async () => {
  const a = await makeTestCertificates();
  const b = await makeTestCertificates();
  await assert.rejects(
    readTlsMaterial({ certPath: a.certPath, keyPath: b.keyPath }),
    /is not the key of the certificate/,
  );
  await assert.rejects(
    readTlsMaterial({ certPath: join(a.dir, "missing.crt"), keyPath: a.keyPath }),
    /MOBIMAINT_TLS_CERT: cannot read/,
  );
  await assert.rejects(
    readTlsMaterial({ certPath: a.keyPath, keyPath: a.keyPath }),
    /MOBIMAINT_TLS_CERT .* no valid PEM certificate/,
  );
  await assert.rejects(
    readTlsMaterial({ certPath: a.certPath, keyPath: a.certPath }),
    /MOBIMAINT_TLS_KEY .* no valid PEM private key/,
  );
  await Deno.remove(a.dir, { recursive: true });
  await Deno.remove(b.dir, { recursive: true });
});
