/** Pure browser-side helpers of issue #18: history words, chat links, pin label placement, initials. */
import assert from "node:assert/strict";
import { initials, pinLabelBox } from "../lib/annotations.ts";
import { assessQuality, type StatsSample } from "../lib/client/quality.ts";
import { formatClock, historyWords, ringEndWords } from "../lib/call_words.ts";
import { type HistoryItem, toHistoryItem } from "../lib/history.ts";
import { linkify } from "../lib/linkify.ts";
import type { CallRecord } from "../lib/types.ts";

const call = (over: Partial<CallRecord>): CallRecord => ({
  callId: "c",
  createdBy: "user1",
  status: "ended",
  createdAt: 1000,
  participants: [{ userId: "user1", username: "user1", role: "Technician", present: false }],
  timeline: [{ at: 1000, type: "created", userId: "user1" }, { at: 1001, type: "ringing", userId: "user3" }],
  ...over,
});
const words = (c: CallRecord, me: string) => historyWords(toHistoryItem(c, me)).title;

Deno.test("history rows say what happened, by name, from the reader's side", () => {
  assert.equal(words(call({ endReason: "rejected" }), "user1"), "user3 declined");
  assert.equal(words(call({ endReason: "rejected" }), "user3"), "You declined user1's call");
  assert.equal(words(call({ endReason: "timeout" }), "user1"), "user3 did not answer");
  assert.equal(words(call({ endReason: "timeout" }), "user3"), "Missed call from user1");
  assert.equal(words(call({ endReason: "unavailable" }), "user1"), "user3 went offline before answering");
  assert.equal(words(call({ endReason: "cancelled" }), "user1"), "You cancelled the call to user3");
  assert.equal(words(call({ endReason: "cancelled" }), "user3"), "user1 cancelled the call");
  assert.equal(words(call({ endReason: "cancelled", timeline: [] }), "user1"), "Call not placed");
  // Created and not ringing yet: being placed for a few seconds, then a call that never rang.
  const unrung = toHistoryItem(call({ status: "pending", timeline: [] }), "user1");
  assert.equal(historyWords(unrung, 1000 + 2_000).title, "Placing the call…");
  assert.equal(historyWords(unrung, 1000 + 60_000).title, "Call not placed");
  assert.equal(
    words(
      call({
        status: "pending",
        invitations: [{ userId: "user3", role: "Expert", since: 1, state: "ringing" }],
      }),
      "user1",
    ),
    "Calling user3…",
  );
  const talked = call({
    endReason: "completed",
    startTime: 2000,
    endedAt: 65_000,
    participants: [
      { userId: "user1", username: "user1", role: "Technician", present: false },
      { userId: "user3", username: "user3", role: "Expert", present: false },
    ],
  });
  const w = historyWords(toHistoryItem(talked, "user1"));
  assert.deepEqual([w.title, w.detail], ["Call with user3", "1 min 3 s"]);
  assert.equal(words({ ...talked, status: "active" }, "user3"), "In progress with user1");
  for (
    const reason of ["rejected", "timeout", "unavailable", "cancelled", "completed", "ended-by-admin", "x"]
  ) {
    for (const me of ["user1", "user3"]) {
      const item: HistoryItem = toHistoryItem(call({ endReason: reason }), me);
      assert.doesNotMatch(historyWords(item).title, /\b(pending|unavailable|rejected|timeout|undefined)\b/);
    }
  }
});

Deno.test("the ringing dialog's end words match the reason", () => {
  assert.equal(ringEndWords("user3", "unavailable"), "user3 went offline before answering.");
  assert.equal(ringEndWords("user3", "timeout"), "user3 did not answer.");
  assert.equal(ringEndWords("user3", "rejected"), "user3 declined the call.");
  assert.equal(formatClock(75), "1:15");
  assert.equal(formatClock(3675), "1:01:15");
});

Deno.test("chat links: only http(s), trailing punctuation left out, the rest kept as text", () => {
  assert.deepEqual(linkify("see https://x.org/a?b=1. ok"), [
    { text: "see " },
    { text: "https://x.org/a?b=1", href: "https://x.org/a?b=1" },
    { text: ". ok" },
  ]);
  assert.deepEqual(linkify("javascript:alert(1) data:text/html,x"), [{
    text: "javascript:alert(1) data:text/html,x",
  }]);
  assert.deepEqual(linkify("(https://x.org/wiki/A_(b))"), [
    { text: "(" },
    { text: "https://x.org/wiki/A_(b))", href: "https://x.org/wiki/A_(b))" },
  ]);
  assert.equal(linkify("plain").length, 1);
});

Deno.test("pin labels: side from the normalised x, box kept inside the frame at any size", () => {
  for (const r of [{ x: 0, y: 0, w: 390, h: 219 }, { x: 40, y: 100, w: 1088, h: 612 }]) {
    for (const nx of [0, 0.12, 0.5, 0.51, 0.85, 1]) {
      for (const ny of [0, 0.5, 1]) {
        for (const textW of [20, 250, 2000]) {
          const b = pinLabelBox(nx, [r.x + nx * r.w, r.y + ny * r.h], textW, r);
          assert.equal(b.side, nx > 0.5 ? "left" : "right");
          assert.ok(b.x >= r.x && b.x + b.w <= r.x + r.w, JSON.stringify({ r, nx, textW, b }));
          assert.ok(b.y >= r.y && b.y + b.h <= r.y + r.h);
        }
      }
    }
  }
});

Deno.test("author initials", () => {
  assert.equal(initials("user2"), "U2");
  assert.equal(initials("Anna Berg"), "AB");
  assert.equal(initials("anna"), "AN");
  assert.equal(initials("uuser7"), "U7");
});

Deno.test("quality: a low bitrate at full frame rate, or from a camera turned off, is not a bad connection", () => {
  const at = (t: number, bytes: number, packets: number, frames: number): StatsSample => ({
    at: t,
    bytesReceived: bytes,
    packetsReceived: packets,
    packetsLost: 0,
    framesDecoded: frames,
    rttMs: 3,
  });
  // 66 kbps at 30 fps (a still scene, the start of a call): good.
  assert.equal(assessQuality(at(0, 0, 0, 0), at(1000, 8_250, 40, 30)).level, "good");
  // 66 kbps at 3 fps, video for 5 s already: the link is starving the picture.
  assert.equal(assessQuality(at(0, 0, 0, 0), at(1000, 8_250, 40, 3), true, -4000).level, "fair");
  // The same in the first seconds of video (a call just connected, a page reloaded): the sender ramps up.
  assert.equal(assessQuality(at(0, 0, 0, 0), at(1000, 8_250, 40, 3), true, -3000).level, "good");
  assert.equal(assessQuality(at(0, 0, 0, 0), at(1000, 8_250, 40, 3)).level, "good", "no frame yet");
  // Loss and round trip are judged from the start.
  assert.equal(
    assessQuality(at(0, 0, 0, 0), { ...at(1000, 8_250, 40, 3), rttMs: 450 }, true, 0).level,
    "poor",
  );
  // The other side's camera is off: black frames at 1 fps, or nothing at all, are expected.
  assert.equal(assessQuality(at(0, 0, 0, 0), at(1000, 3_000, 5, 1), false).level, "good");
  assert.equal(assessQuality(at(0, 0, 10, 0), at(1000, 0, 10, 0), false).level, "good");
});
