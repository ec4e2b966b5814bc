/**
 * Everything the CLI prints: aligned borderless tables (cli-table3), the exact
 * API JSON for `--json`, and colour only on a terminal without NO_COLOR.
 */
import Table from "cli-table3";
import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

const NO_BORDER = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};
// cli-table3 colours nothing itself; colour is applied to cell text by `paint`.
const TABLE_STYLE = { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true };

/** True when stdout is a terminal and neither NO_COLOR nor --no-color asks for plain text. */
export function colorWanted(flag = true, env = Deno.env.toObject()): boolean {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return flag && !noColor && Deno.stdout.isTerminal();
}

export class Output {
  constructor(readonly json: boolean, readonly color: boolean) {}

  paint(style: Style, text: string): string {
    return this.color ? styleText(style, text, { validateStream: false }) : text;
  }

  /** Colours a status word by meaning: good green, in-between yellow, bad red. */
  status(word: string | undefined): string {
    if (!word) return "-";
    if (["healthy", "ok", "online", "available", "active"].includes(word)) return this.paint("green", word);
    if (["busy", "pending"].includes(word)) return this.paint("yellow", word);
    if (["unhealthy", "unreachable"].includes(word)) return this.paint("red", word);
    return this.paint("dim", word);
  }

  /** A table with a header row; columns aligned, no borders (like kubectl or docker). */
  table(head: string[], rows: (string | number)[][]): string {
    const t = new Table({
      head: head.map((h) => this.paint("bold", h)),
      chars: NO_BORDER,
      style: TABLE_STYLE,
    });
    t.push(...rows.map((r) => r.map(String)));
    return trimLines(t.toString());
  }

  /** A two-column "Label  value" table. */
  fields(rows: (readonly [string, string | number])[]): string {
    const t = new Table({ chars: NO_BORDER, style: TABLE_STYLE });
    t.push(...rows.map(([k, v]) => ({ [this.paint("bold", k)]: String(v) })));
    return trimLines(t.toString());
  }

  heading(text: string): string {
    return this.paint("bold", text);
  }

  print(text: string): void {
    console.log(text);
  }

  printJson(value: unknown): void {
    console.log(JSON.stringify(value, null, 2));
  }
}

const trimLines = (s: string) => s.split("\n").map((l) => l.trimEnd()).join("\n");

/** "1h 02m 03s", "4m 05s", "12s", "0s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Local time "YYYY-MM-DD HH:MM:SS", or "-" when absent. */
export function formatTime(epochMs: number | undefined): string {
  if (!epochMs) return "-";
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}
