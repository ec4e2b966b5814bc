/**
 * The Store contract. Two implementations: Deno KV (embedded default, kv.ts)
 * and Redis (multi-node, redis.ts). The same contract tests run on both.
 * Every write resolves only once it is durable in the backing store.
 */
import type { Annotation, CallRecord, ChatMessage, Role } from "../../lib/types.ts";

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  /** scrypt hash string, see server/auth/password.ts; never plaintext. */
  passwordHash: string;
  createdAt: number;
}

export interface HistoryPage {
  limit: number;
  /** Only calls created strictly before this time (ms). */
  before?: number;
}

export interface Store {
  readonly kind: "kv" | "redis";

  getUserByName(username: string): Promise<UserRecord | null>;
  getUserById(id: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /** Creates the user; false when the username is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  updateUser(user: UserRecord): Promise<void>;
  /** Deletes the user; false when there was none. */
  deleteUser(username: string): Promise<boolean>;

  getCall(callId: string): Promise<CallRecord | null>;
  createCall(call: CallRecord): Promise<void>;
  /**
   * Atomically applies `change` to the current record (retrying on races
   * between nodes). `change` returns the new record, or null to leave it as is.
   * Resolves with what is stored afterwards, or null when there is no call.
   * `indexUser`: when the change is made, also record that this user took part (as indexUserCall),
   * in the same write where the store can.
   */
  updateCall(
    callId: string,
    change: (call: CallRecord) => CallRecord | null,
    opts?: { indexUser?: string },
  ): Promise<{ call: CallRecord; changed: boolean } | null>;
  listCalls(): Promise<CallRecord[]>;
  /**
   * The calls not ended, sorted by id, from an index that createCall and
   * updateCall keep (every node sweeps them, so this must not scan history).
   */
  listOpenCalls(): Promise<CallRecord[]>;
  /** Calls the user took part in (created or joined), newest first. */
  listUserCalls(userId: string, page: HistoryPage): Promise<CallRecord[]>;
  /** Records that `userId` took part in `call` (history index). */
  indexUserCall(userId: string, call: CallRecord): Promise<void>;

  /** Upserts by id; an update keeps the first insertion's position in the list. */
  putAnnotation(callId: string, annotation: Annotation): Promise<void>;
  /**
   * Stores shared by several nodes (Redis): putAnnotation, unless `annotation.id` is new and the call
   * already holds `limit` annotations — then nothing is written and it resolves false. The check and
   * the write are one atomic step, so writers on different nodes cannot pass the limit together.
   * The embedded store has one writer, which counts in memory instead (AnnotationService).
   */
  putAnnotationWithin?(callId: string, annotation: Annotation, limit: number): Promise<boolean>;
  countAnnotations(callId: string): Promise<number>;
  deleteAnnotation(callId: string, id: string): Promise<boolean>;
  clearAnnotations(callId: string): Promise<void>;
  listAnnotations(callId: string): Promise<Annotation[]>;

  addChat(callId: string, message: ChatMessage): Promise<void>;
  listChat(callId: string): Promise<ChatMessage[]>;

  revokeToken(jti: string, expiresAtMs: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;

  /** Sets a value only if the key has none; returns the value now stored. */
  getOrSetMeta(key: string, value: string): Promise<string>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
