/**
 * The Store contract's building blocks: a backing dataset that opens stores, a case, and the records
 * the cases write (users, calls, annotations, chat messages).
 */
import type { Annotation, CallRecord, ChatMessage } from "../../lib/types.ts";
import type { Store, UserRecord } from "../../server/store/store.ts";

/** Opens stores on one fresh, shared backing dataset. */
export interface Backing {
  open(): Promise<Store>;
}

export type Case = (backing: Backing) => Promise<void>;

export const user = (username: string, id = `id-${username}`): UserRecord => ({
  id,
  username,
  role: "Technician",
  passwordHash: `hash-of-${username}`,
  createdAt: 1_700_000_000_000,
});

export const call = (callId: string, createdBy: string, createdAt: number): CallRecord => ({
  callId,
  createdBy,
  status: "pending",
  createdAt,
  participants: [{ userId: createdBy, username: createdBy, role: "Technician", present: false }],
  timeline: [{ at: createdAt, type: "created", userId: createdBy }],
});

export const ann = (id: string, text = `note ${id}`): Annotation => ({
  id,
  text,
  x: 0.1,
  y: 0.2,
  from: "u1",
});

export const chat = (id: string, at: number): ChatMessage => ({ id, from: "u1", text: `msg ${id}`, at });

export const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
export const callIds = (xs: CallRecord[]) => xs.map((x) => x.callId);
