/** The field benchmark's README block: bold only where a target is met, written between its markers only. */
import assert from "node:assert/strict";
import {
  FIELD_TABLE_END,
  FIELD_TABLE_START,
  fieldMarkdown,
  fieldReadmeBlock,
  type FieldResults,
  type FieldRun,
  withFieldTable,
} from "../bench/field/readme_table.ts";
import { isFullRun } from "../bench/field.ts";

const slowLink: FieldRun = {
  transport: "udp",
  link: "300 kbps, 150 ms RTT, 5 % loss",
  conditions: { delayMs: 75 },
  target: { firstFrameMs: 2000, minWidth: 960, minHeight: 540, minFps: 10 },
  pair: { relayProtocol: "udp" },
  firstFrame: { bothMs: 912, mediaMs: 749 },
  steady: { width: 960, height: 540, fps: 16.2, freezes: 0 },
  audio: { concealedPct: 0.2 },
  annotations: { p95: 300 },
  rttMs: 167,
};

Deno.test("field table: a met target is bold, a missed one is not", () => {
  const met = fieldMarkdown([slowLink], []).split("\n")[2];
  assert.equal(
    met,
    "| TURN/UDP | 300 kbps, 150 ms RTT, 5 % loss | **912 ms** (749 ms) | **960×540 @ 16.2 fps** | 0.2 % | **300 ms** | 167 ms |",
  );
  const missed = fieldMarkdown([{
    ...slowLink,
    pair: { relayProtocol: "tcp" },
    firstFrame: { bothMs: 2100, mediaMs: 1900 },
    steady: { width: 640, height: 360, fps: 11.4, freezes: 2, codec: "video/VP8" },
    annotations: { p95: 368 },
  }], []).split("\n")[2];
  assert.equal(
    missed,
    "| TURN/TCP | 300 kbps, 150 ms RTT, 5 % loss | 2100 ms (1900 ms) | 640×360 @ 11.4 fps VP8, 2 freezes | 0.2 % | 368 ms | 167 ms |",
  );
  // Enough resolution at too few frames a second is not the steady-state target.
  assert.match(
    fieldMarkdown([{ ...slowLink, steady: { width: 960, height: 540, fps: 9.9 } }], []),
    /\| 960×540 @ 9\.9 fps \|/,
  );
  // Against the link's round trip (150 ms), not the measured one, which a TCP path's queue makes long.
  assert.match(
    fieldMarkdown([{ ...slowLink, annotations: { p95: 351 }, rttMs: 1438 }], []),
    /\| 351 ms \| 1438 ms \|$/,
  );
  assert.match(fieldMarkdown([{ ...slowLink, rttMs: null }], []), /\| \*\*300 ms\*\* \| – \|$/);
});

Deno.test("field table: links without a steady-state target, failed runs, network switches", () => {
  const unlimited: FieldRun = {
    ...slowLink,
    link: "unlimited",
    target: { firstFrameMs: 1000 },
    steady: { width: 1280, height: 720, fps: 20 },
    annotations: { p95: 31 },
  };
  const lines = fieldMarkdown([unlimited, { transport: "tls", link: "1 Mbps", error: "call not set up" }], [
    { case: "port rebinding", recoveryMs: 2243, userLeft: false, annotationsOnTech: 3, chatIntact: true },
    {
      case: "TURN server restarted",
      recoveryMs: 1205,
      userLeft: false,
      annotationsOnTech: 3,
      chatIntact: true,
    },
    {
      case: "path black-holed 3 s",
      recoveryMs: null,
      userLeft: true,
      annotationsOnTech: 2,
      chatIntact: true,
    },
  ]).split("\n");
  assert.equal(
    lines[2],
    "| TURN/UDP | unlimited | **912 ms** (749 ms) | 1280×720 @ 20 fps | 0.2 % | 31 ms | 167 ms |",
  );
  assert.equal(lines[3], "| tls | 1 Mbps | failed: call not set up | | | | |");
  assert.deepEqual(lines.slice(7), [
    "| port rebinding | 2243 ms | no | yes |",
    "| TURN server restarted | **1205 ms** | no | yes |",
    "| path black-holed 3 s | never (30 s) | yes | no |",
  ]);
});

Deno.test("field table: written between the README's markers, the rest kept, again and again", () => {
  const readme = `# Title\n\nBefore.\n\n${FIELD_TABLE_START}\nold figures\n${FIELD_TABLE_END}\n\nAfter.\n`;
  const results: FieldResults = {
    date: "2026-12-02T23:21:22.671Z",
    commit: "8030fcf",
    mode: "full",
    camera: "synthetic",
    steadySeconds: 30,
    runtimeSec: 812,
    machine: { cpus: 2, model: "AMD EPYC" },
    runs: [slowLink],
    switches: [],
  };
  const once = withFieldTable(readme, fieldReadmeBlock(results));
  assert.ok(once.startsWith(`# Title\n\nBefore.\n\n${FIELD_TABLE_START}\n`));
  assert.ok(once.endsWith(`\n${FIELD_TABLE_END}\n\nAfter.\n`));
  assert.doesNotMatch(once, /old figures/);
  assert.match(once, /2026-12-02, commit 8030fcf, 2 cores, AMD EPYC, 30 s of steady state/);
  assert.match(once, /\*\*960×540 @ 16\.2 fps\*\*/);
  assert.equal(withFieldTable(once, fieldReadmeBlock(results)), once);
  assert.throws(() => withFieldTable("# No markers\n", "x"), /no <!-- field-bench:start -->/);
});

Deno.test("field table: the README has the block the benchmark writes into", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.equal(readme.split(FIELD_TABLE_START).length, 2);
  assert.equal(readme.split(FIELD_TABLE_END).length, 2);
  assert.ok(readme.indexOf(FIELD_TABLE_START) < readme.indexOf(FIELD_TABLE_END));
});

Deno.test("field table: only a full run writes the README", () => {
  const full = { quick: false, switches: true };
  assert.equal(isFullRun(full), true);
  assert.equal(isFullRun({ ...full, quick: true }), false);
  assert.equal(isFullRun({ ...full, transports: "udp" }), false);
  assert.equal(isFullRun({ ...full, links: "2,3" }), false);
  assert.equal(isFullRun({ ...full, switches: false }), false);
});
