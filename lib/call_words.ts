/** How a call's outcome is said to people: the ringing dialog's notice, history rows, call details. */
import type { HistoryItem } from "./history.ts";

/** What the technician is told when a ring ends without an answer. */
export function ringEndWords(name: string, reason?: string): string {
  switch (reason) {
    case "timeout":
      return `${name} did not answer.`;
    case "unavailable":
      return `${name} went offline before answering.`;
    case "cancelled":
      return `The call to ${name} was cancelled.`;
    default:
      return `${name} declined the call.`;
  }
}

export function formatDuration(sec: number): string {
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  if (h) return `${h} h ${m} min`;
  return m ? `${m} min ${s} s` : `${s} s`;
}

/** A call made this recently and not ringing yet is being placed (it rings within a second or two). */
const PLACING_MS = 30_000;

/** A history row in words, from the point of view of the user who reads it. */
export function historyWords(
  h: HistoryItem,
  now = Date.now(),
): { title: string; detail?: string; tone: "ok" | "missed" | "live" } {
  const mine = h.mine;
  const other = mine ? (h.with[0] ?? h.rung) : (h.createdByName ?? h.with[0]);
  const who = other ?? "an expert";
  const talked = h.startedAt !== undefined;
  if (h.status === "active") return { title: `In progress with ${who}`, tone: "live" };
  if (h.status === "pending") {
    if (h.rung) return { title: mine ? `Calling ${h.rung}…` : `${who} is calling`, tone: "live" };
    return now - h.at < PLACING_MS
      ? { title: "Placing the call…", tone: "live" }
      : { title: "Call not placed", tone: "missed" };
  }
  const length = h.durationSec ? formatDuration(h.durationSec) : undefined;
  switch (h.endReason) {
    case "rejected":
      return { title: mine ? `${who} declined` : `You declined ${who}'s call`, tone: "missed" };
    case "timeout":
      return { title: mine ? `${who} did not answer` : `Missed call from ${who}`, tone: "missed" };
    case "unavailable":
      return {
        title: mine ? `${who} went offline before answering` : `Missed call from ${who} (you went offline)`,
        tone: "missed",
      };
    case "cancelled":
      if (talked) return { title: `Call with ${who}`, detail: length, tone: "ok" };
      if (!h.rung) return { title: "Call not placed", tone: "missed" };
      return {
        title: mine ? `You cancelled the call to ${who}` : `${who} cancelled the call`,
        tone: "missed",
      };
    case "ended-by-admin":
      return {
        title: `Call with ${who}`,
        detail: [length, "ended by an administrator"].filter(Boolean).join(" · "),
        tone: "ok",
      };
    default:
      return { title: `Call with ${who}`, detail: length, tone: "ok" };
  }
}

/** 75 → "1:15", 3675 → "1:01:15" (the call timer). */
export function formatClock(sec: number): string {
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
