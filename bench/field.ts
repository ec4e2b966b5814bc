/**
 * `deno task bench --field`: calls on field networks. For each way the technician reaches the expert
 * (direct, TURN over UDP, TCP, TLS) and each link (unlimited, 1 Mbps, 300 kbps + 150 ms + 5 %, 150 kbps
 * + 300 ms + 10 %), two real Chromium pages call through the real UI; then the network-switch cases
 * (black hole, port rebinding, TURN restart) on TURN/UDP. Writes bench/results/field.json, and after a full
 * run the figures into the README.
 *
 *   deno task bench --field                 # full: 30 s steady state per run (~15 min)
 *   deno task bench --field --quick         # 10 s steady state (~7 min)
 *   deno task bench --field --transports udp --links 2   # a subset (links by index in the table)
 *   deno task bench --field --camera textured             # both cameras film a textured scene
 */
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "../tests/helpers/browser.ts";
import { startCoturn } from "../tests/helpers/coturn.ts";
import { LINKS, type Transport, TRANSPORTS } from "./field/cases.ts";
import {
  fieldMarkdown,
  fieldReadmeBlock,
  type FieldResults,
  type FieldRun,
  type FieldSwitch,
  isMeasured,
  withFieldTable,
} from "./field/readme_table.ts";
import { measureRun, measureSwitches, openFieldCall } from "./field/run.ts";
import { startServerProcess } from "./server_process.ts";
import { writeFeed } from "./tracking/make_feed.ts";

/** The server's default grace period (MOBIMAINT_GRACE_MS), which the benchmark runs with. */
const GRACE_MS = 2_000;

export interface FieldArgs {
  quick: boolean;
  out: string;
  transports?: string;
  links?: string;
  switches: boolean;
  /**
   * What the fake cameras film: Chromium's own flat picture (a colour and a moving shape, which encodes in
   * small keyframes at any size) or the tracker bench's textured scene moving at 960×540 (a frame three times
   * the JPEG size of the flat 1280×720 one).
   */
  camera: "synthetic" | "textured";
}

/** The textured feed, written once (333 MB, a few seconds). */
const TEXTURED_FEED = "test-output/field/camera-960x540";

async function cameraArgs(camera: FieldArgs["camera"]): Promise<string[]> {
  if (camera === "synthetic") return [];
  const exists = await Deno.stat(`${TEXTURED_FEED}.y4m`).then(() => true, () => false);
  if (!exists) await writeFeed(TEXTURED_FEED, 960, 540);
  return [`--use-file-for-fake-video-capture=${Deno.cwd()}/${TEXTURED_FEED}.y4m`];
}

export async function runFieldBench(args: FieldArgs): Promise<void> {
  const started = Date.now();
  const steadySeconds = args.quick ? 10 : 30;
  const transports = (args.transports?.split(",") ?? TRANSPORTS) as Transport[];
  const links = args.links ? args.links.split(",").map((i) => LINKS[Number(i)]) : LINKS;
  const coturn = await startCoturn();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, ...coturn.chromiumArgs, ...await cameraArgs(args.camera)],
  });
  const runs: FieldRun[] = [];
  let switches: FieldSwitch[] = [];
  const server = async (transport: Transport) =>
    await startServerProcess({
      MOBIMAINT_DEMO: "1",
      MOBIMAINT_DATA_DIR: await Deno.makeTempDir({ prefix: "mobimaint-field-" }),
      MOBIMAINT_ADMIN_PASSWORD: crypto.randomUUID(),
      MOBIMAINT_STUN_URLS: "",
      ...(transport === "direct" ? {} : {
        MOBIMAINT_TURN_URLS: coturn.urls[transport],
        MOBIMAINT_TURN_SECRET: coturn.secret,
        MOBIMAINT_ICE_TRANSPORT_POLICY: "relay",
      }),
    });
  try {
    for (const transport of transports) {
      const srv = await server(transport);
      try {
        for (const link of links) {
          const label = `${transport} / ${link.name}`;
          console.log(`-- ${label}`);
          const call = await openFieldCall(browser, srv.url, coturn, transport, link.conditions).catch(
            (e) => {
              runs.push({ transport, link: link.name, error: `call not set up: ${e}` });
              console.error(`   failed: ${e}`);
            },
          );
          if (!call) continue;
          try {
            const m = await measureRun(call, steadySeconds);
            runs.push({ transport, link: link.name, conditions: link.conditions, target: link.target, ...m });
            console.log(`   ${JSON.stringify(m)}`);
          } catch (e) {
            runs.push({ transport, link: link.name, error: String(e) });
            console.error(`   failed: ${e}`);
          } finally {
            await call.close();
            // Closed pages leave their sockets' grace period behind: let it pass before the next sign-in.
            await new Promise((r) => setTimeout(r, GRACE_MS + 1000));
          }
        }
      } finally {
        await srv.stop();
      }
    }
    if (args.switches) {
      console.log("-- network switches (TURN/UDP)");
      const srv = await server("udp");
      const call = await openFieldCall(browser, srv.url, coturn, "udp", {});
      try {
        switches = await measureSwitches(call, coturn);
        console.log(`   ${JSON.stringify(switches)}`);
      } finally {
        await call.close();
        await srv.stop();
      }
    }
  } finally {
    await browser.close();
    await coturn.stop();
  }

  const commit = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"], stderr: "null" }).output())
      .stdout,
  ).trim();
  const results = {
    date: new Date().toISOString(),
    commit,
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    mode: args.quick ? "quick" : "full",
    camera: args.camera,
    steadySeconds,
    runtimeSec: Math.round((Date.now() - started) / 1000),
    runs,
    switches,
  };
  printTable(results.runs, switches);
  console.log(fieldMarkdown(results.runs, switches));
  console.log(`field benchmark: ${results.runtimeSec} s`);
  await Deno.mkdir(args.out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
  await Deno.writeTextFile(args.out, JSON.stringify(results, null, 2) + "\n");
  console.log(`results written to ${args.out}`);
  if (isFullRun(args)) await writeReadmeTable(results);
  else console.log("README not updated: a quick run or a subset");
}

/** Only the whole matrix with its full steady state and the switches stands for the product in the README. */
export const isFullRun = (args: Pick<FieldArgs, "quick" | "transports" | "links" | "switches">): boolean =>
  !args.quick && !args.transports && !args.links && args.switches;

async function writeReadmeTable(results: FieldResults) {
  const path = new URL("../README.md", import.meta.url);
  let readme: string;
  try {
    readme = withFieldTable(await Deno.readTextFile(path), fieldReadmeBlock(results));
  } catch (e) {
    // The figures are in the JSON already; a README without the block is not worth failing the run for.
    return console.error(`README.md not updated: ${e instanceof Error ? e.message : e}`);
  }
  await Deno.writeTextFile(path, readme);
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", fileURLToPath(path)] }).output();
  console.log("README.md: field figures updated");
}

function printTable(runs: FieldRun[], switches: FieldSwitch[]) {
  const t = new Table({
    head: [
      "path",
      "link",
      "first frame (both)",
      "of which media",
      "expert steady",
      "audio concealed",
      "annot. p95",
      "RTT",
    ],
  });
  for (const r of runs) {
    if (!isMeasured(r)) {
      t.push([r.transport, r.link, {
        colSpan: 6,
        content: `failed: ${(r.error ?? "no figures").slice(0, 60)}`,
      }]);
      continue;
    }
    const s = r.steady;
    t.push([
      r.pair?.relayProtocol ? `${r.transport} (relay ${r.pair.relayProtocol})` : r.transport,
      r.link,
      `${r.firstFrame.bothMs} ms`,
      `${r.firstFrame.mediaMs} ms (connected at ${r.firstFrame.connectedMs} ms)`,
      `${s.width}×${s.height} @ ${s.fps} fps`,
      `${r.audio.concealedPct} %`,
      `${r.annotations.p95} ms`,
      typeof r.rttMs === "number" ? `${r.rttMs} ms` : "-",
    ]);
  }
  console.log(t.toString());
  if (!switches.length) return;
  const s = new Table({
    head: ["switch", "video back after", "user-left", "drawings", "chat", "ICE restarts"],
  });
  for (const w of switches) {
    s.push([
      w.case,
      w.recoveryMs === null ? "never" : `${w.recoveryMs} ms`,
      w.userLeft,
      w.annotationsOnTech,
      w.chatIntact,
      w.iceRestarts,
    ]);
  }
  console.log(s.toString());
}
