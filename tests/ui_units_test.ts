/** Browser-side pure code: annotation geometry (letterboxing, rotation) and call quality from stats. */
import assert from "node:assert/strict";
import {
  contentRect,
  isAnnotation,
  makeAnnotation,
  repeatsLastPin,
  toBox,
  toNormalized,
} from "../lib/annotations.ts";
import { toHistoryItem } from "../lib/history.ts";
import { assessQuality, sampleStats, type StatsSample } from "../lib/client/quality.ts";
import { sdpFingerprint } from "../lib/client/sdp.ts";
import { describeMediaError } from "../lib/client/media.ts";
import { ExpertDirectory } from "../lib/client/expert_directory.ts";
import { signal } from "@preact/signals";
import { ANNOTATION_KINDS, type Availability, type UserStatus } from "../lib/types.ts";

Deno.test("a 16:9 frame in a portrait box is letterboxed top and bottom; a 4:3 one in a wide box pillarboxed", () => {
  assert.deepEqual(contentRect(390, 844, 1280, 720), { x: 0, y: 312.3125, w: 390, h: 219.375 });
  assert.deepEqual(contentRect(1280, 960, 320, 240), { x: 0, y: 0, w: 1280, h: 960 });
  assert.deepEqual(contentRect(1600, 960, 320, 240), { x: 160, y: 0, w: 1280, h: 960 });
  assert.deepEqual(
    contentRect(300, 200, 0, 0),
    { x: 0, y: 0, w: 300, h: 200 },
    "no frame yet: the whole box",
  );
});

Deno.test("a point keeps its place on the frame at any element size and after rotation", () => {
  const phone = contentRect(390, 844, 1280, 720);
  const desktop = contentRect(1045, 900, 1280, 720);
  const p = toNormalized(...toBox([0.3, 0.7], phone), phone)!;
  assert.deepEqual(p, [0.3, 0.7]);
  const [x, y] = toBox([0.3, 0.7], desktop);
  assert.deepEqual(toNormalized(x, y, desktop), [0.3, 0.7]);
  // Rotated phone: the frame becomes 720×1280; the same normalised point maps inside the new rectangle.
  const rotated = contentRect(390, 844, 720, 1280);
  const [rx, ry] = toBox([0.3, 0.7], rotated);
  assert.ok(rx >= rotated.x && rx <= rotated.x + rotated.w && ry >= rotated.y && ry <= rotated.y + rotated.h);
  // In the letterbox bars there is no frame: no point, unless clamped (a drag that leaves the frame).
  assert.equal(toNormalized(100, 10, phone), null);
  assert.deepEqual(toNormalized(100, 10, phone, true), [0.2564, 0]);
});

Deno.test("annotations carry the wire shape: pins without points, shapes with start and end", () => {
  const opts = { id: "a1", from: "u", color: "#ff3b30", text: "valve" };
  assert.deepEqual(makeAnnotation("pin", [[0.5, 0.25]], opts), {
    id: "a1",
    from: "u",
    x: 0.5,
    y: 0.25,
    kind: "pin",
    color: "#ff3b30",
    text: "valve",
  });
  const arrow = makeAnnotation("arrow", [[0.1, 0.1], [0.2, 0.2], [0.3, 0.4]], opts);
  assert.deepEqual(arrow.points, [[0.1, 0.1], [0.3, 0.4]]);
  assert.equal(makeAnnotation("stroke", [[0.1, 0.1], [0.2, 0.2], [0.3, 0.4]], opts).points!.length, 3);
});

Deno.test("a double tap places one pin; a tap elsewhere or a moment later places another", () => {
  const last = { p: [0.5, 0.5] as [number, number], at: 1000 };
  assert.ok(!repeatsLastPin(null, [0.5, 0.5], 1000));
  assert.ok(repeatsLastPin(last, [0.51, 0.5], 1200));
  assert.ok(!repeatsLastPin(last, [0.6, 0.5], 1200));
  assert.ok(!repeatsLastPin(last, [0.5, 0.5], 1600));
});

Deno.test("an annotation straight from the other page is shown only in the wire shape", () => {
  const opts = { id: "a1", from: "u", color: "#ff3b30", text: "valve" };
  for (const kind of ANNOTATION_KINDS) {
    assert.ok(isAnnotation(makeAnnotation(kind, [[0.1, 0.1], [0.3, 0.4]], opts)), kind);
  }
  const anchored = {
    ...makeAnnotation("pin", [[0.5, 0.5]], opts),
    anchor: { epoch: "e1", pose: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  };
  assert.ok(isAnnotation(anchored));
  const pin = makeAnnotation("pin", [[0.5, 0.5]], opts);
  for (
    const bad of [
      null,
      "pin",
      { ...pin, id: "" },
      { ...pin, id: 7 },
      { ...pin, x: "0.5" },
      { ...pin, y: Infinity },
      { ...pin, text: "x".repeat(501) },
      { ...pin, kind: "bomb" },
      { ...pin, points: [[0.1]] },
      { ...pin, points: "0.1,0.1" },
      { ...pin, color: 3 },
      { ...pin, anchor: { epoch: "e1", pose: ["1"] } },
    ]
  ) assert.ok(!isAnnotation(bad), JSON.stringify(bad));
});

Deno.test("quality: good, then poor when packets are lost and the round trip grows", () => {
  const at = (t: number, bytes: number, pkts: number, lost: number, rttMs: number): StatsSample => ({
    at: t,
    bytesReceived: bytes,
    packetsReceived: pkts,
    packetsLost: lost,
    framesDecoded: 0,
    rttMs,
  });
  assert.equal(assessQuality(undefined, at(0, 0, 0, 0, 20)).level, "unknown");
  const good = assessQuality(at(0, 0, 0, 0, 20), at(1000, 150_000, 120, 0, 20));
  assert.deepEqual(good, { level: "good", rttMs: 20, lossPct: 0, kbps: 1200, framesDecoded: 0 });
  const poor = assessQuality(at(0, 0, 0, 0, 20), at(1000, 50_000, 90, 10, 450));
  assert.equal(poor.level, "poor");
  assert.equal(poor.lossPct, 10);
  assert.equal(poor.limit, "loss", "the first poor measure names the problem");
  const silent = assessQuality(at(0, 0, 100, 0, 20), at(1000, 0, 100, 0, 20));
  assert.deepEqual([silent.level, silent.limit], ["poor", "no-media"], "nothing arrives");
});

Deno.test("quality names what limits: round trip, bandwidth; a camera turned off is not a problem", () => {
  const at = (t: number, bytes: number, pkts: number, extra: Partial<StatsSample> = {}): StatsSample => ({
    at: t,
    bytesReceived: bytes,
    packetsReceived: pkts,
    packetsLost: 0,
    framesDecoded: 0,
    rttMs: 30,
    ...extra,
  });
  // The first frame came 10 s ago: past the ramp-up.
  const q = (cur: StatsSample, videoExpected = true) => {
    const r = assessQuality(at(0, 0, 0), cur, videoExpected, -10_000);
    return [r.level, r.limit];
  };
  assert.deepEqual(q(at(1000, 150_000, 120, { rttMs: 300 })), ["fair", "round-trip"]);
  assert.deepEqual(q(at(1000, 150_000, 120, { rttMs: 450 })), ["poor", "round-trip"]);
  assert.deepEqual(q(at(1000, 150_000, 120, { availableOutgoingKbps: 200 })), ["fair", "bandwidth"]);
  assert.deepEqual(q(at(1000, 150_000, 120, { availableOutgoingKbps: 80 })), ["poor", "bandwidth"]);
  // Only audio arrives (~32 kbps): weak when the peer's camera should be sending, fine when it is off.
  assert.deepEqual(q(at(1000, 4_000, 50)), ["fair", "bandwidth"]);
  assert.deepEqual(q(at(1000, 4_000, 50), false), ["good", undefined]);
});

Deno.test("stats sampling reads inbound RTP and the selected candidate pair", () => {
  const report = new Map<string, Record<string, unknown>>([
    ["v", {
      type: "inbound-rtp",
      kind: "video",
      bytesReceived: 1000,
      packetsReceived: 10,
      packetsLost: 1,
      framesDecoded: 7,
    }],
    ["a", { type: "inbound-rtp", kind: "audio", bytesReceived: 100, packetsReceived: 5, packetsLost: 0 }],
    ["p", { type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: 0.042 }],
  ]) as unknown as RTCStatsReport;
  assert.deepEqual(sampleStats(report, 5), {
    at: 5,
    bytesReceived: 1100,
    packetsReceived: 15,
    packetsLost: 1,
    framesDecoded: 7,
    rttMs: 42,
  });
});

Deno.test("SDP fingerprint identifies a peer connection", () => {
  const sdp = "v=0\r\na=group:BUNDLE 0\r\na=fingerprint:sha-256 AB:CD:EF\r\nm=audio 9\r\n";
  assert.equal(sdpFingerprint(sdp), "sha-256 AB:CD:EF");
  assert.equal(sdpFingerprint(undefined), undefined);
});

Deno.test("history rows name the other participants and the duration", () => {
  const item = toHistoryItem({
    callId: "c1",
    createdBy: "t",
    status: "ended",
    createdAt: 1000,
    startTime: 2000,
    endedAt: 65_000,
    endReason: "completed",
    participants: [
      { userId: "t", username: "user1", role: "Technician", present: false },
      { userId: "e", username: "user2", role: "Expert", present: false },
    ],
    timeline: [],
  }, "t");
  assert.deepEqual(item, {
    callId: "c1",
    at: 1000,
    with: ["user2"],
    status: "ended",
    endReason: "completed",
    durationSec: 63,
    mine: true,
    createdByName: "user1",
    rung: undefined,
    startedAt: 2000,
  });
});

Deno.test("camera and microphone failures are explained, and the call goes on", () => {
  const err = (name: string) => Object.assign(new Error("x"), { name });
  assert.equal(
    describeMediaError(err("NotAllowedError"), "Camera"),
    "Camera access was denied (allow it in the browser's site settings). The call goes on without your camera.",
  );
  assert.equal(
    describeMediaError(err("NotFoundError"), "Microphone"),
    "No microphone was found. The call goes on without your microphone.",
  );
  assert.match(describeMediaError(err("NotReadableError"), "Camera"), /in use by another application/);
  assert.match(describeMediaError(undefined, "Camera"), /could not be started/);
});

Deno.test("the experts list keeps a presence change pushed while a directory answer was on its way", async () => {
  const expert = (id: string, availability: Availability): UserStatus => ({
    id,
    username: id,
    role: "Expert",
    status: availability === "offline" ? "offline" : "online",
    availability,
  });
  const experts = signal([expert("user2", "busy"), expert("user3", "available")]);
  const directory = new ExpertDirectory(experts);
  let answer!: (list: UserStatus[]) => void;
  const refreshed = directory.refresh(() => new Promise((resolve) => answer = resolve));
  // The server read the directory while user2 was in Do not disturb; then user2 turned it off and the push
  // came first.
  directory.changed([{ userId: "user2", status: "online", availability: "available" }]);
  answer([expert("user2", "busy"), expert("user3", "offline"), expert("user4", "available")]);
  await refreshed;
  assert.deepEqual(
    experts.value.map((e) => [e.id, e.availability]),
    [["user2", "available"], ["user3", "offline"], ["user4", "available"]],
    "the push kept, the rest from the directory",
  );
  // A later answer is newer than every push heard before it was asked.
  await directory.refresh(() => Promise.resolve([expert("user2", "busy")]));
  assert.deepEqual(experts.value.map((e) => [e.id, e.availability]), [["user2", "busy"]]);
});
