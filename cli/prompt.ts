/**
 * Reading from the terminal: a visible line (username), a secret typed with
 * echo off (stdin in raw mode), or one line from a pipe (`--password-stdin`).
 */
import { CliError, EXIT, usageError } from "./errors.ts";

const encoder = new TextEncoder();
const writeErr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

/** Reads one line from stdin (terminal or pipe), without its line ending. Bytes after it are dropped. */
export async function readLine(): Promise<string> {
  const buf = new Uint8Array(1024);
  const decoder = new TextDecoder();
  let line = "";
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    line += decoder.decode(buf.subarray(0, n), { stream: true });
    const end = line.indexOf("\n");
    if (end >= 0) return line.slice(0, end).replace(/\r$/, "");
  }
  return (line + decoder.decode()).replace(/\r$/, "");
}

/** Asks a question on stderr and reads a visible answer; needs a terminal. */
export async function promptLine(question: string, what: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) throw usageError(`stdin is not a terminal: give the ${what} as an option`);
  writeErr(question);
  return (await readLine()).trim();
}

/** Asks for a secret on stderr and reads it with echo off. */
export async function promptSecret(question: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw usageError("stdin is not a terminal: use --password-stdin to pipe the password");
  }
  // Echo goes off before the prompt shows, so nothing typed after seeing it is echoed.
  Deno.stdin.setRaw(true);
  writeErr(question);
  const typed: string[] = [];
  try {
    const buf = new Uint8Array(256);
    const decoder = new TextDecoder();
    reading: while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      for (const ch of decoder.decode(buf.subarray(0, n), { stream: true })) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") break reading; // Enter or Ctrl-D
        if (ch === "\u0003") throw new CliError(EXIT.INTERRUPTED, "Interrupted"); // Ctrl-C
        if (ch === "\u007f" || ch === "\b") typed.pop();
        else if (ch >= " ") typed.push(ch);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    writeErr("\n");
  }
  return typed.join("");
}

/** A new password: one line from stdin with `--password-stdin`, else typed twice at a prompt. */
export async function newPassword(fromStdin: boolean, who: string): Promise<string> {
  if (fromStdin) return await passwordFromStdin();
  const first = await promptSecret(`New password for ${who}: `);
  if (!first) throw usageError("Password must not be empty");
  const again = await promptSecret("Repeat the password: ");
  if (first !== again) throw usageError("The passwords do not match");
  return first;
}

export async function passwordFromStdin(): Promise<string> {
  const password = await readLine();
  if (!password) throw usageError("--password-stdin: stdin gave an empty password");
  return password;
}
