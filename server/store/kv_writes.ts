/**
 * Writing to Deno KV under contention, for the KV store: a write retries while another handle holds the
 * SQLite lock, and concurrent inserts are committed together.
 */

/**
 * SQLite answers "database is locked" when another handle (another process
 * or a second `Deno.openKv` on the same file) holds the write lock; Deno KV
 * does not wait for it, so writes retry here with a short jittered backoff.
 */
export async function whenUnlocked<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (let attempt = 0;; attempt++) {
    try {
      return await write();
    } catch (e) {
      if (!/database is locked/.test(String(e)) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2) * (0.5 + Math.random())));
    }
  }
}

/**
 * Group commit for inserts: while one atomic commit is in flight, the next
 * inserts queue up and go together in the next one (up to KV's 100 checks
 * per atomic). Each insert resolves once its commit is durable: true when
 * written, false when the key already existed.
 */
export class InsertBatcher {
  private queue: {
    key: Deno.KvKey;
    value: unknown;
    done: (inserted: boolean) => void;
    fail: (e: unknown) => void;
  }[] = [];
  private draining = false;
  constructor(private readonly kv: Deno.Kv) {}

  insert(key: Deno.KvKey, value: unknown): Promise<boolean> {
    return new Promise((done, fail) => {
      this.queue.push({ key, value, done, fail });
      if (!this.draining) this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, 100);
      try {
        const op = this.kv.atomic();
        for (const e of batch) op.check({ key: e.key, versionstamp: null }).set(e.key, e.value);
        if ((await whenUnlocked(() => op.commit())).ok) {
          for (const e of batch) e.done(true);
          continue;
        }
        // Some key existed: settle each one on its own.
        for (const e of batch) {
          const r = await whenUnlocked(() =>
            this.kv.atomic().check({ key: e.key, versionstamp: null }).set(e.key, e.value)
              .commit()
          );
          e.done(r.ok);
        }
      } catch (err) {
        for (const e of batch) e.fail(err);
      }
    }
    this.draining = false;
  }
}
