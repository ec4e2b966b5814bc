/** Exit codes of `mobimaint` (documented in docs/cli.md) and the error that carries one. */

export const EXIT = {
  OK: 0,
  /** The server answered with an error (not found, conflict, forbidden, unhealthy...). */
  FAILURE: 1,
  /** The command line is wrong: unknown command or option, missing argument, bad value. */
  USAGE: 2,
  /** The server could not be reached (refused, DNS, timeout). */
  UNREACHABLE: 3,
  /** No token, or the server refused it (expired, revoked, invalid), or wrong credentials at login. */
  NOT_AUTHENTICATED: 4,
  /** Ctrl-C at a prompt (the shell convention 128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = typeof EXIT[keyof typeof EXIT];

/** An error to report as one line on stderr before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(readonly exitCode: ExitCode, message: string) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(EXIT.USAGE, message);
