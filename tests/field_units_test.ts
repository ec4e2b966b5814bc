/** Browser-side recovery rules without a browser: stall detection timing and ICE generations in SDP. */
import assert from "node:assert/strict";
import { IceRecovery, peerHasSent } from "../lib/client/ice_recovery.ts";
import { sdpUfrag } from "../lib/client/sdp.ts";
import { nextVideoStep } from "../lib/client/sender_policy.ts";

Deno.test("ICE recovery: a stream silent for 1.5 s restarts with fresh servers, spaced, never before connecting", async () => {
  const restarts: { servers: RTCIceServer[] | undefined; reason: string }[] = [];
  const fresh: RTCIceServer[] = [{ urls: "turn:x", username: "u", credential: "c" }];
  const r = new IceRecovery({
    freshIceServers: () => Promise.resolve(fresh),
    restart: (servers, reason) => restarts.push({ servers, reason }),
  }, 1500);
  const settle = () => new Promise((res) => setTimeout(res, 0));
  // Not connected yet: silence is expected.
  for (let t = 0; t <= 5000; t += 250) r.observe(0, false, t);
  await settle();
  assert.equal(restarts.length, 0);
  // Connected and flowing.
  for (let t = 5000; t <= 6000; t += 250) r.observe(t, true, t);
  // Stalled from 6000: nothing at 7250, a restart at 7500.
  for (let t = 6250; t <= 7250; t += 250) r.observe(6000, true, t);
  await settle();
  assert.equal(restarts.length, 0);
  r.observe(6000, true, 7500);
  await settle();
  assert.deepEqual(restarts.slice(), [{ servers: fresh, reason: "stalled" }]);
  // Still stalled: the next restart only 1.5 s after the previous one.
  for (let t = 7750; t <= 8750; t += 250) r.observe(6000, true, t);
  await settle();
  assert.equal(restarts.length, 1);
  r.observe(6000, true, 9000);
  await settle();
  assert.equal(restarts.length, 2);
  // A network change restarts at once; the servers fall back to the current ones when fetching fails.
  const failing = new IceRecovery({
    freshIceServers: () => Promise.reject(new Error("offline")),
    restart: (servers, reason) => restarts.push({ servers, reason }),
  });
  failing.trigger("online");
  failing.trigger("online"); // one in flight at a time
  await settle();
  await settle();
  assert.deepEqual(restarts.at(-1), { servers: undefined, reason: "online" });
  assert.equal(restarts.length, 3);
});

Deno.test("the stall detector waits for the peer's end: media or RTCP from it, not this side's handshake alone", () => {
  const report = (...stats: Record<string, unknown>[]) => new Map(stats.map((s, i) => [String(i), s]));
  const transport = { type: "transport", dtlsState: "connected", bytesReceived: 4200 };
  // This side's DTLS is done, the peer still waits for the last flight: only handshake bytes came.
  assert.equal(
    peerHasSent(report(transport, { type: "inbound-rtp", kind: "video", packetsReceived: 0 })),
    false,
  );
  assert.equal(
    peerHasSent(report(transport, { type: "inbound-rtp", kind: "audio", packetsReceived: 3 })),
    true,
  );
  // The peer sends nothing of its own (camera and microphone off) but reports on what it receives.
  assert.equal(peerHasSent(report(transport, { type: "remote-inbound-rtp", kind: "video" })), true);
});

Deno.test("sdpUfrag reads the ICE generation of a description", () => {
  assert.equal(sdpUfrag("v=0\r\nm=audio 9\r\na=ice-ufrag:Ab+1\r\na=ice-pwd:x\r\n"), "Ab+1");
  assert.equal(sdpUfrag("v=0\r\n"), undefined);
  assert.equal(sdpUfrag(undefined), undefined);
});

Deno.test("camera resolution steps: 360p first, up after 2 s of enough bandwidth, down at once", () => {
  const run = (kbpsEverySecond: number[]) => {
    let state = { step: 0, highSince: 0 };
    return kbpsEverySecond.map((kbps, i) =>
      (state = nextVideoStep(state.step, kbps, state.highSince, 1000 + i * 1000)).step
    );
  };
  // A fast link: 540p after two seconds above 160 kbps, 720p after two more above 500.
  assert.deepEqual(run([300, 900, 900, 900, 900, 900]), [0, 0, 1, 1, 1, 2]);
  // 300 kbit/s with 5 % loss (estimates of 140–240 seen): stays at 540p; 150 kbit/s: stays at 360p.
  assert.deepEqual(run([170, 190, 165, 150, 210, 140]), [0, 0, 1, 1, 1, 1]);
  assert.deepEqual(run([120, 150, 140, 130, 150, 120]), [0, 0, 0, 0, 0, 0]);
  // A brief peak is not enough: two seconds above.
  assert.deepEqual(run([70, 165, 90, 160, 150, 75]), [0, 0, 0, 0, 0, 0]);
  // The estimate collapses at 720p: down to 360p at once.
  assert.deepEqual(run([900, 900, 900, 900, 900, 900, 100]), [0, 0, 1, 1, 1, 2, 0]);
  // Within the 80 % hysteresis (450 ≥ 400): 720p is kept.
  assert.deepEqual(run([900, 900, 900, 900, 900, 900, 450]), [0, 0, 1, 1, 1, 2, 2]);
});
