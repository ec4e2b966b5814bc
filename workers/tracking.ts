/** The camera tracker's module worker (bundled on its own; loaded by the technician's page when tracking is on). */
import { serveTracker } from "../lib/client/tracking/worker_main.ts";

serveTracker(globalThis as unknown as Parameters<typeof serveTracker>[0]);
