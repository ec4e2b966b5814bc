/**
 * The field benchmark's figures as Markdown: the table `deno task bench --field` prints, and the block it
 * writes into the README (between FIELD_TABLE_START and FIELD_TABLE_END) after a full run. Bold: the
 * issue's target for that figure is met (first frame; the expert's steady state; annotations within the link's
 * round trip + 200 ms on the slow links; a network switch back within 2 s).
 */

export const FIELD_TABLE_START = "<!-- field-bench:start -->";
export const FIELD_TABLE_END = "<!-- field-bench:end -->";

/** Recovery after a network switch, the issue's target. */
const SWITCH_TARGET_MS = 2000;

export interface FieldRun {
  transport: string;
  link: string;
  error?: string;
  /** The link, each way (one-way delay). */
  conditions?: { delayMs?: number };
  target?: { firstFrameMs: number; minWidth?: number; minHeight?: number; minFps?: number };
  pair?: { relayProtocol?: string };
  firstFrame?: { bothMs: number; mediaMs: number; connectedMs?: number };
  steady?: { width: number; height: number; fps: number; freezes?: number; codec?: string };
  audio?: { concealedPct: number };
  annotations?: { p95: number };
  rttMs?: number | null;
}

/** A run that measured every figure (a failed one has an error, or stopped before the end). */
export type MeasuredRun =
  & FieldRun
  & Required<Pick<FieldRun, "firstFrame" | "steady" | "audio" | "annotations">>;

export const isMeasured = (r: FieldRun): r is MeasuredRun =>
  !r.error && !!r.firstFrame && !!r.steady && !!r.audio && !!r.annotations;

/** Drawings the expert makes before the network switches; all of them must still be on the technician's page. */
export const SWITCH_DRAWINGS = 3;

export interface FieldSwitch {
  case: string;
  recoveryMs: number | null;
  userLeft: boolean;
  annotationsOnTech: number;
  chatIntact: boolean;
  iceRestarts?: number;
}

export interface FieldResults {
  date: string;
  commit: string;
  mode: string;
  camera?: string;
  steadySeconds: number;
  runtimeSec: number;
  machine: { cpus: number; model?: string };
  runs: FieldRun[];
  switches: FieldSwitch[];
}

const bold = (text: string, met: boolean) => met ? `**${text}**` : text;

function runRow(r: FieldRun): string {
  const path = r.pair?.relayProtocol ? `TURN/${r.pair.relayProtocol.toUpperCase()}` : r.transport;
  if (!isMeasured(r)) {
    return `| ${path} | ${r.link} | failed: ${(r.error ?? "no figures").slice(0, 80)} | | | | |`;
  }
  const { firstFrame: f, steady: s, target: t } = r;
  const firstFrame = bold(`${f.bothMs} ms`, t !== undefined && f.bothMs <= t.firstFrameMs);
  const steadyMet = t?.minFps !== undefined && s.width >= (t.minWidth ?? 0) &&
    s.height >= (t.minHeight ?? 0) &&
    s.fps >= t.minFps;
  const codec = s.codec ? ` ${s.codec.replace(/^video\//, "")}` : "";
  const freezes = s.freezes ? `, ${s.freezes} freeze${s.freezes === 1 ? "" : "s"}` : "";
  // The annotation target is set for the slow links (those with a steady-state target): the link's round trip
  // + 200 ms. Not the measured RTT, which grows with what queues in a TCP path and would excuse that queue.
  const roundTrip = r.conditions?.delayMs !== undefined ? 2 * r.conditions.delayMs : r.rttMs;
  const annotationMet = t?.minFps !== undefined && typeof roundTrip === "number" &&
    r.annotations.p95 <= roundTrip + 200;
  return `| ${path} | ${r.link} | ${firstFrame} (${f.mediaMs} ms) | ${
    bold(`${s.width}×${s.height} @ ${s.fps} fps`, steadyMet)
  }${codec}${freezes} | ${r.audio.concealedPct} % | ${bold(`${r.annotations.p95} ms`, annotationMet)} | ${
    typeof r.rttMs === "number" ? `${r.rttMs} ms` : "–"
  } |`;
}

/** The runs and the network switches as Markdown tables. */
export function fieldMarkdown(runs: FieldRun[], switches: FieldSwitch[]): string {
  const rows = [
    "| path | link | accept → first frame, both (media part) | expert after steady state | audio concealed | annotations p95 | RTT |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...runs.map(runRow),
  ];
  if (switches.length) {
    rows.push(
      "",
      "| network switch (TURN/UDP) | video on both pages again after | user-left | drawings, chat intact |",
      "| --- | --- | --- | --- |",
    );
    for (const w of switches) {
      const back = w.recoveryMs === null
        ? "never (30 s)"
        : bold(`${w.recoveryMs} ms`, w.recoveryMs <= SWITCH_TARGET_MS && !w.userLeft);
      rows.push(
        `| ${w.case} | ${back} | ${w.userLeft ? "yes" : "no"} | ${
          w.annotationsOnTech === SWITCH_DRAWINGS && w.chatIntact ? "yes" : "no"
        } |`,
      );
    }
  }
  return rows.join("\n");
}

/** The README's block: where the figures come from, then the tables. */
export function fieldReadmeBlock(results: FieldResults): string {
  const day = results.date.slice(0, 10);
  const machine = `${results.machine.cpus} cores${results.machine.model ? `, ${results.machine.model}` : ""}`;
  return [
    `The last full run of \`deno task bench --field\`: ${day}, commit ${results.commit}, ${machine}, ` +
    `${results.steadySeconds} s of steady state, ${results.camera ?? "synthetic"} camera, ` +
    `${results.runtimeSec} s in all. Bold: the target is met.`,
    "",
    fieldMarkdown(results.runs, results.switches),
  ].join("\n");
}

/** `readme` with the text between the field-bench markers replaced by `block`; throws without the markers. */
export function withFieldTable(readme: string, block: string): string {
  const start = readme.indexOf(FIELD_TABLE_START);
  const end = readme.indexOf(FIELD_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(
      `the README has no ${FIELD_TABLE_START} … ${FIELD_TABLE_END} block to write the figures into`,
    );
  }
  return `${readme.slice(0, start + FIELD_TABLE_START.length)}\n${block}\n${readme.slice(end)}`;
}
