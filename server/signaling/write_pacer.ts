/**
 * Paces a long run of socket writes (a presence flush to thousands of watchers) so that other work gets in:
 * after each TURN_MS of writing it yields a turn, and while clients keep sending events it gives way to
 * them for longer.
 */

/** How long one turn writes before it lets other work in, ms. */
const TURN_MS = 1;
/**
 * After a turn, the writer waits until no client event has come for this long. One step of a call setup
 * (call-request, call-response, join-call) is a few store round trips; each resumes on a later turn, and
 * every one the writer took meanwhile would add its TURN_MS and more to that step.
 */
const GIVE_WAY_GAP_MS = 3;
/** …but for no longer than this per turn: under steady traffic the writes still go out, slower. */
const GIVE_WAY_MAX_MS = 20;

// setTimeout, not setImmediate: in Deno only a timer lets pending socket reads run first.
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Lets other work in once the current turn has written for TURN_MS, and counts the time spent writing: the
 * turns given to other work are not the writes' cost, so they must not stretch the spacing of the next run.
 */
export class WritePacer {
  private turnStart = performance.now();
  private writtenMs = 0;
  private seen: number;

  /** `received`: how many client events (and requests) the server has received so far. */
  constructor(private readonly received: () => number) {
    this.seen = received();
  }

  /**
   * Resolves at once while the current turn has run less than TURN_MS; else on a later turn, once no client
   * event came for GIVE_WAY_GAP_MS (or after GIVE_WAY_MAX_MS).
   */
  async breathe(): Promise<void> {
    const ran = performance.now() - this.turnStart;
    if (ran < TURN_MS) return;
    this.writtenMs += ran;
    await wait(0);
    const until = performance.now() + GIVE_WAY_MAX_MS;
    while (this.received() !== this.seen && performance.now() < until) {
      this.seen = this.received();
      await wait(GIVE_WAY_GAP_MS);
    }
    this.seen = this.received();
    this.turnStart = performance.now();
  }

  /** Time spent writing so far, ms, the turns given to other work left out. */
  busyMs(): number {
    return this.writtenMs + performance.now() - this.turnStart;
  }
}
