/**
 * Upgrade of stores written before user ids on the wire became usernames (compat, PROTOCOL.md
 * "Identity on the wire"): calls, annotations, chat and the history index named users by the record's
 * internal key. Rewrites every such id to the username, through the Store contract so both backends
 * share it. Idempotent: a key that is no longer found is left alone, and a finished run is recorded in
 * meta so later starts skip it; several nodes starting at once on one Redis may all run it.
 */
import type { CallRecord } from "../../lib/types.ts";
import type { LegacyRing } from "./migrate_rings.ts";
import type { Store } from "./store.ts";

export const USER_IDS_META_KEY = "wire-user-ids";
const DONE = "username";
/**
 * For a key whose user was deleted and is named nowhere in the call (an Expert who was rung but never
 * joined): its name is lost. Not a valid username, so it never matches a user.
 */
export const DELETED_USER = "(deleted user)";

/** Renames user ids in a call record in place; true when something changed. */
function renameInCall(call: CallRecord & LegacyRing, rename: (id: string) => string): boolean {
  let changed = false;
  const swap = (id: string) => {
    const name = rename(id);
    if (name !== id) changed = true;
    return name;
  };
  call.createdBy = swap(call.createdBy);
  if (call.ringing) call.ringing.to = swap(call.ringing.to);
  for (const i of call.invitations ?? []) i.userId = swap(i.userId);
  for (const p of call.participants) p.userId = swap(p.userId);
  for (const t of call.timeline) if (t.userId) t.userId = swap(t.userId);
  return changed;
}

export async function migrateUserIds(store: Store): Promise<{ calls: number } | null> {
  if (await store.getMeta(USER_IDS_META_KEY) === DONE) return null;
  // key or username (already migrated, if a run was cut short) → username
  const known = new Map<string, string>([[DELETED_USER, DELETED_USER]]);
  for (const u of await store.listUsers()) known.set(u.id, u.username).set(u.username, u.username);
  let migrated = 0;
  for (const stored of await store.listCalls()) {
    // Deleted users are no longer in the user list; their calls still name them as participants.
    const names = new Map(known);
    for (const p of stored.participants) names.set(p.userId, p.username).set(p.username, p.username);
    const rename = (id: string) => names.get(id) ?? DELETED_USER;

    const r = await store.updateCall(stored.callId, (call) => renameInCall(call, rename) ? call : null);
    if (!r) continue;
    const call = r.call;
    const [annotations, chat] = await Promise.all([
      store.listAnnotations(call.callId),
      store.listChat(call.callId),
    ]);
    for (const a of annotations) {
      if (rename(a.from) !== a.from) await store.putAnnotation(call.callId, { ...a, from: rename(a.from) });
    }
    for (const m of chat) {
      if (rename(m.from) !== m.from) await store.addChat(call.callId, { ...m, from: rename(m.from) });
    }
    // History is listed by username now: index the call under every user who took part or was rung.
    const users = new Set([
      ...call.participants.map((p) => p.userId),
      ...call.timeline.filter((t) => t.type === "ringing" && t.userId).map((t) => t.userId!),
    ]);
    for (const user of users) await store.indexUserCall(user, call);
    if (r.changed) migrated++;
  }
  await store.setMeta(USER_IDS_META_KEY, DONE);
  return { calls: migrated };
}
