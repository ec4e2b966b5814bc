/** Structured JSON logs, one line per event (pino). Never log tokens, passwords or SDP. */
import pino from "pino";

export function createLogger(level: string) {
  return pino({
    level,
    base: { app: "mobimaint" },
    redact: [
      "token",
      "password",
      "*.token",
      "*.password",
      "offer",
      "answer",
      "*.offer",
      "*.answer",
    ],
  });
}
