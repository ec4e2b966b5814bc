/**
 * Provisions benchmark users ahead of the timed part: written straight into
 * the KV file the server will open, all with one precomputed password hash,
 * and tokens signed with the server's secret. Not timed, and much faster
 * than N scrypt logins, which would measure password hashing, not signaling.
 */
import { join } from "node:path";
import type { Role } from "../lib/types.ts";
import { hashPassword } from "../server/auth/password.ts";
import { TokenService } from "../server/auth/tokens.ts";
import { KvStore } from "../server/store/kv.ts";

export interface BenchUser {
  id: string;
  username: string;
  role: Role;
  token: string;
}

export async function provision(
  dataDir: string,
  secret: string,
  counts: { technicians: number; experts: number },
): Promise<BenchUser[]> {
  await Deno.mkdir(dataDir, { recursive: true });
  const store = await KvStore.open(join(dataDir, "mobimaint.kv"));
  const tokens = new TokenService(secret, 24 * 3600, store);
  const passwordHash = await hashPassword("bench");
  const users: BenchUser[] = [];
  const make = async (role: Role, i: number) => {
    const user = {
      id: `b${role[0]}${i}`,
      username: `bench-${role.toLowerCase()}-${i}`,
      role,
      passwordHash,
      createdAt: Date.now(),
    };
    await store.createUser(user);
    users.push({ id: user.id, username: user.username, role, token: await tokens.issue(user) });
  };
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < counts.technicians; i++) jobs.push(make("Technician", i));
  for (let i = 0; i < counts.experts; i++) jobs.push(make("Expert", i));
  await Promise.all(jobs);
  await store.close();
  return users;
}
