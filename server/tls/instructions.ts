/** What `deno task cert` prints: where the files are, how to start with them, how to trust the CA. */
import type { DevCertificates } from "./dev_files.ts";

export function trustInstructions(r: DevCertificates, port: number): string {
  const lan = r.server.ipAddresses.filter((ip) => ip !== "127.0.0.1" && ip !== "::1");
  const lanV4 = lan.filter((ip) => !ip.includes(":"));
  const urls = [
    ...lanV4.map((ip) => `https://${ip}:${port}`),
    ...r.server.dnsNames.filter((n) => n !== "localhost").map((n) => `https://${n}:${port}`),
  ];
  const env = `MOBIMAINT_TLS_CERT=${r.certPath} MOBIMAINT_TLS_KEY=${r.keyPath}`;
  return `
MobiMaint development certificates in ${r.dir}/
  CA certificate (install on phones): ${r.caCertPath}  ${r.caCreated ? "(new CA)" : "(existing CA reused)"}
  CA key (keep secret, never share):  ${r.caKeyPath}
  Server certificate:                 ${r.certPath}  (serial ${r.server.serialNumber}, valid until ${
    r.server.notAfter.toISOString().slice(0, 10)
  })
  Server key:                         ${r.keyPath}
  Valid for: ${[...r.server.dnsNames, ...r.server.ipAddresses].join(", ")}

Start MobiMaint over HTTPS:
  ${env} deno task start
A running server picks up a re-issued certificate on SIGHUP (kill -HUP <pid>), no restart needed.

On the phone, open ${urls.length ? urls.join("  or  ") : `https://<this machine's address>:${port}`}
after trusting the CA once:
  Android: copy ${r.caCertPath} to the phone, then Settings > Security & privacy > More security
    settings > Encryption & credentials > Install a certificate > CA certificate (wording varies by
    maker). Chrome trusts it at once; Firefox needs Settings > About Firefox (tap the logo 5 times),
    then Settings > Secret Settings > "Use third party CA certificates".
  iPhone / iPad: AirDrop or mail ${r.caCertPath} to the device and open it, install the profile in
    Settings > General > VPN & Device Management, then turn on full trust in Settings > General >
    About > Certificate Trust Settings for "${r.caSubject.replace(/^CN=([^,]+).*$/, "$1")}".
  This computer's browser: import the CA into the system or browser trust store (Firefox: Settings >
    Privacy & Security > Certificates > View Certificates > Authorities > Import).

Run \`deno task cert\` again when this machine's addresses change: the same CA is reused, so phones
keep trusting it. Anyone holding ${r.caKeyPath} can impersonate any site to devices trusting this CA;
remove the CA from phones when you no longer need it.
`;
}
