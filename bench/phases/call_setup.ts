/** Call setup latency at a steady rate: create-call → call-request → accept → both joined. */
import { type ActiveCall, endCall, setupCall } from "../calls.ts";
import type { BenchClient } from "../clients.ts";
import { now, sleep, summarize } from "../stats.ts";

export async function callSetup(
  url: string,
  techs: BenchClient[],
  experts: BenchClient[],
  opts: { ratePerSec: number; count: number },
) {
  const pairs = Math.min(techs.length, experts.length);
  const free: boolean[] = new Array(pairs).fill(true);
  const samples: number[] = [];
  let errors = 0;
  const running: Promise<void>[] = [];
  const interval = 1000 / opts.ratePerSec;
  const t0 = now();
  for (let i = 0; i < opts.count; i++) {
    const due = t0 + i * interval;
    if (due > now()) await sleep(due - now());
    const p = free.indexOf(true);
    if (p < 0) {
      errors++; // every pair still busy with an earlier setup: the server is not keeping up
      continue;
    }
    free[p] = false;
    running.push((async () => {
      const start = now();
      let call: ActiveCall | undefined;
      try {
        call = await setupCall(url, techs[p], experts[p]);
        samples.push(now() - start);
      } catch (e) {
        errors++;
        if (errors <= 3) console.error(`call setup failed: ${e instanceof Error ? e.message : e}`);
      }
      if (call) await endCall(call).catch(() => errors++);
      free[p] = true;
    })());
  }
  await Promise.all(running);
  return { ratePerSec: opts.ratePerSec, ...summarize(samples), errors };
}
