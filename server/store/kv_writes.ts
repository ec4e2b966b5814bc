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

/** Deno KV reads at most this many keys in one getMany. */
const KEYS_PER_READ = 10;
/** Deno KV checks at most this many keys in one atomic. */
const KEYS_PER_COMMIT = 100;

interface QueuedUpdate {
  key: Deno.KvKey;
  /** keyId(key), to tell the writes of one key apart from the others'. */
  id: string;
  next: (current: unknown) => unknown;
  done: () => void;
  fail: (e: unknown) => void;
}

/**
 * Group commit for read-modify-writes (an annotation drawn, moved or edited): while one atomic commit is
 * in flight, the next writes queue up and go together in the next one. Each write is given the value as
 * the writes before it left it (null when absent); the batch commits every key checked against the
 * value it was given, first as if all were absent, then, when one is not, after reading them (again when
 * a key changed meanwhile). Each write resolves once durable. A batch the store refuses as a whole (too
 * large for one atomic) is split until each write stands alone, so a write the store cannot take fails
 * only itself.
 */
export class BatchedUpdates {
  private queue: QueuedUpdate[] = [];
  private draining = false;
  constructor(private readonly kv: Deno.Kv) {}

  update<T>(key: Deno.KvKey, next: (current: T | null) => T): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ key, id: keyId(key), next: next as (current: unknown) => unknown, done, fail });
      if (!this.draining) this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length) {
      const batch = this.takeBatch();
      await this.commitOrSplit(batch);
    }
    this.draining = false;
  }

  /** The queued writes up to KEYS_PER_COMMIT distinct keys, in order. */
  private takeBatch(): QueuedUpdate[] {
    const keys = new Set<string>();
    let n = 0;
    for (; n < this.queue.length; n++) {
      const { id } = this.queue[n];
      if (!keys.has(id) && keys.size === KEYS_PER_COMMIT) break;
      keys.add(id);
    }
    return this.queue.splice(0, n);
  }

  private async commitOrSplit(batch: QueuedUpdate[]): Promise<void> {
    try {
      await this.commit(batch);
      for (const w of batch) w.done();
    } catch (err) {
      if (batch.length === 1) return batch[0].fail(err);
      const half = Math.ceil(batch.length / 2);
      await this.commitOrSplit(batch.slice(0, half));
      await this.commitOrSplit(batch.slice(half));
    }
  }

  private async commit(batch: QueuedUpdate[]): Promise<void> {
    const byKey = new Map<string, { key: Deno.KvKey; writes: QueuedUpdate[] }>();
    for (const w of batch) {
      const entry = byKey.get(w.id) ?? byKey.set(w.id, { key: w.key, writes: [] }).get(w.id)!;
      entry.writes.push(w);
    }
    const groups = [...byKey.values()];
    // First as if every key were new (a stroke drawn: no read); when one is not, read them and try again.
    let current: Deno.KvEntryMaybe<unknown>[] = groups.map((g) => ({
      key: g.key,
      value: null,
      versionstamp: null,
    }));
    for (;;) {
      const op = this.kv.atomic();
      groups.forEach((g, i) => {
        const value = g.writes.reduce((v, w) => w.next(v), current[i].value as unknown);
        op.check(current[i]).set(g.key, value);
      });
      if ((await whenUnlocked(() => op.commit())).ok) return;
      current = await this.read(groups.map((g) => g.key));
    }
  }

  private async read(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    const chunks: Deno.KvKey[][] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_READ) chunks.push(keys.slice(i, i + KEYS_PER_READ));
    return (await Promise.all(chunks.map((c) => this.kv.getMany(c)))).flat();
  }
}

/** A KV key as a string, to tell keys apart (their parts are strings and numbers here). */
const keyId = (key: Deno.KvKey) => JSON.stringify(key);
