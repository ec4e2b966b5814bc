/** A long run of writes (a presence flush) gives way to client events (server/signaling/write_pacer.ts). */
import assert from "node:assert/strict";
import { WritePacer } from "../server/signaling/write_pacer.ts";
import { sleep } from "./helpers/sockets.ts";

/** Writes (spins) for `ms`. */
function write(ms: number): void {
  for (const end = performance.now() + ms; performance.now() < end;) { /* busy */ }
}

/** Client events arriving every millisecond until `stop()`. */
function eventStream() {
  const s = { received: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => s.received++, 1);
  return s;
}

Deno.test("after a turn of writes, the writer waits until client events stop coming", async () => {
  const events = eventStream();
  const pacer = new WritePacer(() => events.received);
  setTimeout(events.stop, 12);
  write(1.5);
  await pacer.breathe();
  const atResume = events.received;
  await sleep(20);
  assert.equal(atResume, events.received, "the writer went on while events were still coming");
  assert.ok(atResume > 0);
});

Deno.test("under steady client traffic the writes still go on, and the time given way is not counted as writing", async () => {
  const events = eventStream();
  try {
    const pacer = new WritePacer(() => events.received);
    const start = performance.now();
    let resumed = false;
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const stream = new Promise((r) => giveUp = setTimeout(r, 500));
    write(1.5);
    await Promise.race([pacer.breathe().then(() => resumed = true), stream]);
    clearTimeout(giveUp);
    assert.ok(resumed, "the writer waited for a lull that never came");
    const elapsed = performance.now() - start;
    assert.ok(elapsed > 5, `gave way for ${elapsed} ms`);
    assert.ok(pacer.busyMs() < elapsed / 2, `${pacer.busyMs()} ms counted as writing of ${elapsed} ms`);
  } finally {
    events.stop();
  }
});

Deno.test("with no client events, the writer goes on after one turn", async () => {
  const pacer = new WritePacer(() => 0);
  write(1.5);
  const resumed = pacer.breathe().then(() => "writer");
  // A timer due later than the writer's next turn (but sooner than a give-way gap would end) comes second.
  const later = new Promise((r) => setTimeout(() => r("later"), 2));
  assert.equal(await Promise.race([resumed, later]), "writer");
  write(0.2);
  // Under a turn written: no wait at all, not even for a timer due at once.
  const next = new Promise((r) => setTimeout(() => r("timer"), 0));
  assert.equal(await Promise.race([pacer.breathe().then(() => "writer"), next]), "writer");
});
