/** Deno KV store: the embedded default (a SQLite file under the data dir). */
import type { Annotation, CallRecord, ChatMessage } from "../../lib/types.ts";
import type { HistoryPage, Store, UserRecord } from "./store.ts";
import { BatchedUpdates, whenUnlocked } from "./kv_writes.ts";

interface StoredAnnotation {
  seq: number;
  annotation: Annotation;
}

const K = {
  userByName: (name: string) => ["users", "byName", name],
  userById: (id: string) => ["users", "byId", id],
  call: (id: string) => ["calls", id],
  /** Present while the call is not ended (the open-calls index). */
  openCall: (id: string) => ["open_calls", id],
  userCall: (
    userId: string,
    createdAt: number,
    callId: string,
  ) => ["user_calls", userId, createdAt, callId],
  annotation: (callId: string, id: string) => ["ann", callId, id],
  chat: (callId: string, at: number, id: string) => ["chat", callId, at, id],
  revoked: (jti: string) => ["revoked", jti],
  meta: (key: string) => ["meta", key],
};

/** A monotonic sequence so annotations keep their first-insertion order. */
let lastSeq = 0;
const nextSeq = () => (lastSeq = Math.max(lastSeq + 1, Date.now() * 1000));

async function all<T>(
  iter: Deno.KvListIterator<T>,
): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const e of iter) out.push(e);
  return out;
}

export class KvStore implements Store {
  readonly kind = "kv" as const;
  private readonly updates: BatchedUpdates;
  private constructor(private readonly kv: Deno.Kv) {
    this.updates = new BatchedUpdates(kv);
  }

  /** Opens (creating) the KV database at `path`; `":memory:"` for a throw-away one (tests). */
  static async open(path?: string): Promise<KvStore> {
    return new KvStore(await Deno.openKv(path));
  }

  async getUserByName(username: string) {
    return (await this.kv.get<UserRecord>(K.userByName(username))).value;
  }

  async getUserById(id: string) {
    // Kept whole under both keys: token checks read it on every request.
    return (await this.kv.get<UserRecord>(K.userById(id))).value;
  }

  async listUsers() {
    return (await all(
      this.kv.list<UserRecord>({ prefix: ["users", "byName"] }),
    )).map((e) => e.value);
  }

  async createUser(user: UserRecord) {
    const r = await whenUnlocked(() =>
      this.kv.atomic()
        .check({ key: K.userByName(user.username), versionstamp: null })
        .set(K.userByName(user.username), user)
        .set(K.userById(user.id), user)
        .commit()
    );
    return r.ok;
  }

  async updateUser(user: UserRecord) {
    await whenUnlocked(() =>
      this.kv.atomic().set(K.userByName(user.username), user).set(K.userById(user.id), user).commit()
    );
  }

  async deleteUser(username: string) {
    const entry = await this.kv.get<UserRecord>(K.userByName(username));
    if (!entry.value) return false;
    const r = await whenUnlocked(() =>
      this.kv.atomic().check(entry).delete(entry.key).delete(
        K.userById(entry.value.id),
      ).commit()
    );
    return r.ok;
  }

  async getCall(callId: string) {
    return (await this.kv.get<CallRecord>(K.call(callId))).value;
  }

  async createCall(call: CallRecord) {
    const r = await whenUnlocked(() => {
      const op = this.kv.atomic()
        .check({ key: K.call(call.callId), versionstamp: null })
        .set(K.call(call.callId), call)
        .set(K.userCall(call.createdBy, call.createdAt, call.callId), true);
      if (call.status !== "ended") op.set(K.openCall(call.callId), true);
      return op.commit();
    });
    if (!r.ok) throw new Error(`call ${call.callId} already exists`);
  }

  async updateCall(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts: { indexUser?: string } = {},
  ) {
    for (;;) {
      const entry = await this.kv.get<CallRecord>(K.call(callId));
      if (!entry.value) return null;
      const next = change(structuredClone(entry.value));
      if (!next) return { call: entry.value, changed: false };
      const r = await whenUnlocked(() => {
        const op = this.kv.atomic().check(entry).set(entry.key, next);
        if (next.status === "ended") op.delete(K.openCall(callId));
        else op.set(K.openCall(callId), true);
        if (opts.indexUser) op.set(K.userCall(opts.indexUser, next.createdAt, callId), true);
        return op.commit();
      });
      if (r.ok) return { call: next, changed: true };
    }
  }

  async listCalls() {
    return (await all(this.kv.list<CallRecord>({ prefix: ["calls"] }))).map((
      e,
    ) => e.value);
  }

  async listOpenCalls() {
    const keys = await all(this.kv.list({ prefix: ["open_calls"] }));
    const out: CallRecord[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      const batch = await this.kv.getMany<CallRecord[]>(
        keys.slice(i, i + 10).map((e) => K.call(e.key[1] as string)),
      );
      for (const e of batch) if (e.value && e.value.status !== "ended") out.push(e.value);
    }
    return out;
  }

  async indexUserCall(userId: string, call: CallRecord) {
    await whenUnlocked(() => this.kv.set(K.userCall(userId, call.createdAt, call.callId), true));
  }

  async listUserCalls(userId: string, page: HistoryPage) {
    const selector: Deno.KvListSelector = page.before
      ? {
        prefix: ["user_calls", userId],
        end: ["user_calls", userId, page.before],
      }
      : { prefix: ["user_calls", userId] };
    const keys = await all(
      this.kv.list(selector, { reverse: true, limit: page.limit }),
    );
    const out: CallRecord[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      const batch = await this.kv.getMany<CallRecord[]>(
        keys.slice(i, i + 10).map((e) => K.call(e.key[3] as string)),
      );
      for (const e of batch) if (e.value) out.push(e.value);
    }
    return out;
  }

  async putAnnotation(callId: string, annotation: Annotation) {
    // Grouped with the other writes in flight; an update keeps the position of the first write.
    await this.updates.update<StoredAnnotation>(
      K.annotation(callId, annotation.id),
      (cur) => ({ seq: cur?.seq ?? nextSeq(), annotation }),
    );
  }

  async countAnnotations(callId: string) {
    let n = 0;
    for await (const _ of this.kv.list({ prefix: ["ann", callId] })) n++;
    return n;
  }

  async deleteAnnotation(callId: string, id: string) {
    const cur = await this.kv.get(K.annotation(callId, id));
    if (cur.versionstamp === null) return false;
    return (await whenUnlocked(() => this.kv.atomic().check(cur).delete(cur.key).commit())).ok;
  }

  async clearAnnotations(callId: string) {
    const entries = await all(this.kv.list({ prefix: ["ann", callId] }));
    // KV atomics take at most 1000 mutations; annotationsPerCall is capped below that by default.
    for (let i = 0; i < entries.length; i += 500) {
      const op = this.kv.atomic();
      for (const e of entries.slice(i, i + 500)) op.delete(e.key);
      await whenUnlocked(() => op.commit());
    }
  }

  async listAnnotations(callId: string) {
    const entries = await all(
      this.kv.list<StoredAnnotation>({ prefix: ["ann", callId] }),
    );
    return entries.map((e) => e.value).sort((a, b) => a.seq - b.seq).map((v) => v.annotation);
  }

  async addChat(callId: string, message: ChatMessage) {
    await whenUnlocked(() => this.kv.set(K.chat(callId, message.at, message.id), message));
  }

  async listChat(callId: string) {
    return (await all(this.kv.list<ChatMessage>({ prefix: ["chat", callId] })))
      .map((e) => e.value);
  }

  async revokeToken(jti: string, expiresAtMs: number) {
    await whenUnlocked(() =>
      this.kv.set(K.revoked(jti), true, {
        expireIn: Math.max(1000, expiresAtMs - Date.now()),
      })
    );
  }

  async isTokenRevoked(jti: string) {
    const e = await this.kv.get(K.revoked(jti));
    return e.versionstamp !== null;
  }

  async getOrSetMeta(key: string, value: string) {
    const r = await whenUnlocked(() =>
      this.kv.atomic().check({
        key: K.meta(key),
        versionstamp: null,
      }).set(K.meta(key), value).commit()
    );
    if (r.ok) return value;
    return (await this.kv.get<string>(K.meta(key))).value ?? value;
  }

  async getMeta(key: string) {
    return (await this.kv.get<string>(K.meta(key))).value;
  }

  async setMeta(key: string, value: string) {
    await whenUnlocked(() => this.kv.set(K.meta(key), value));
  }

  async ping() {
    await this.kv.get(K.meta("ping"));
  }

  close() {
    this.kv.close();
    return Promise.resolve();
  }
}
