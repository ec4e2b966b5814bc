/**
 * `deno task cert [--out certs] [--name host-or-ip ...] [--new-ca]`: a development CA and an HTTPS
 * certificate for this machine, so phones on the LAN get a secure origin (and so the camera).
 */
import { Command } from "commander";
import { isIP } from "node:net";
import { machineNames } from "./dev_ca.ts";
import { writeDevCertificates } from "./dev_files.ts";
import { trustInstructions } from "./instructions.ts";

const program = new Command()
  .name("deno task cert")
  .description("Create a local development CA and a certificate for this machine's names and addresses")
  .option("-o, --out <dir>", "folder for the PEM files", "certs")
  .option("-n, --name <names...>", "extra host names or IP addresses to include")
  .option("--new-ca", "replace the CA (phones must then trust the new one)", false)
  .parse(["deno", "cert", ...Deno.args]);

const opts = program.opts<{ out: string; name?: string[]; newCa: boolean }>();
const names = machineNames();
for (const n of opts.name ?? []) {
  if (isIP(n)) names.ipAddresses.push(n);
  else names.dnsNames.push(n.toLowerCase());
}
names.dnsNames = [...new Set(names.dnsNames)];
names.ipAddresses = [...new Set(names.ipAddresses)];

try {
  const result = await writeDevCertificates(opts.out, names, { newCa: opts.newCa });
  console.log(trustInstructions(result, Number(Deno.env.get("PORT") || 3000)));
} catch (e) {
  console.error(`deno task cert: ${e instanceof Error ? e.message : e}`);
  Deno.exit(1);
}
