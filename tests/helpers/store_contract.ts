/**
 * The Store contract: every case (tests/helpers/store_cases_*.ts) run as a step against a backing
 * dataset; every store a case opened is closed afterwards.
 */
import type { Store } from "../../server/store/store.ts";
import { contentCases } from "./store_cases_content.ts";
import { recordsCases } from "./store_cases_records.ts";
import type { Case } from "./store_fixtures.ts";

const cases: Record<string, Case> = { ...recordsCases, ...contentCases };

/** Runs every case as a step; `backing` makes a fresh dataset and returns its opener and cleanup. */
export async function runContract(
  t: Deno.TestContext,
  backing: () => Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>,
) {
  for (const [name, run] of Object.entries(cases)) {
    await t.step(name, async () => {
      const { open, cleanup } = await backing();
      const opened: Store[] = [];
      try {
        await run({
          open: async () => {
            const s = await open();
            opened.push(s);
            return s;
          },
        });
      } finally {
        for (const s of opened) {
          try {
            await s.close();
          } catch { /* a case may have closed it already */ }
        }
        await cleanup();
      }
    });
  }
}
