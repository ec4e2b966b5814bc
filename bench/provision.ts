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

/** Every provisioned user's password (the presence storm signs in with it). */
export const BENCH_PASSWORD = "bench";

export interface BenchUser {
  id: string;
  username: string;
  role: Role;
  token: string;
  /** What the user signs in with (the presence storm logs in). */
  password: string;
}

export async function provision(
  dataDir: string,
  secret: string,
  counts: { technicians: number; experts: number },
): Promise<BenchUser[]> {
  await Deno.mkdir(dataDir, { recursive: true });
  const store = await KvStore.open(join(dataDir, "mobimaint.kv"));
  const tokens = new TokenService(secret, 24 * 3600, store);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
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
    // On the wire a user's id is the username; `user.id` is the store's internal key.
    users.push({
      id: user.username,
      username: user.username,
      role,
      token: await tokens.issue(user),
      password: BENCH_PASSWORD,
    });
  };
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < counts.technicians; i++) jobs.push(make("Technician", i));
  for (let i = 0; i < counts.experts; i++) jobs.push(make("Expert", i));
  await Promise.all(jobs);
  await store.close();
  return users;
}

/**
 * `--url` mode: provisions users on a running server through the Admin REST
 * API and logs each in. Every user costs the server two scrypt hashes, so
 * this is for modest sizes; the server must allow that many logins from one
 * address (MOBIMAINT_LIMIT_LOGIN_PER_CLIENT).
 */
export async function provisionRemote(
  url: string,
  adminPassword: string,
  counts: { technicians: number; experts: number },
): Promise<BenchUser[]> {
  const call = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(url + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const admin = await call("/login", { username: "admin", password: adminPassword });
  if (admin.status !== 200) throw new Error(`admin login failed: ${admin.status} ${admin.body.message}`);
  const wanted: { username: string; role: Role }[] = [
    ...Array.from(
      { length: counts.technicians },
      (_, i) => ({ username: `bench-technician-${i}`, role: "Technician" as const }),
    ),
    ...Array.from(
      { length: counts.experts },
      (_, i) => ({ username: `bench-expert-${i}`, role: "Expert" as const }),
    ),
  ];
  const users: BenchUser[] = [];
  for (const w of wanted) {
    const created = await call("/api/users", { ...w, password: "bench-password" }, admin.body.token);
    if (created.status !== 200 && created.status !== 409) {
      throw new Error(`create ${w.username}: ${created.status}`);
    }
    const login = await call("/login", { username: w.username, password: "bench-password" });
    if (login.status !== 200) throw new Error(`login ${w.username}: ${login.status} ${login.body.message}`);
    users.push({
      id: login.body.userId,
      username: w.username,
      role: w.role,
      token: login.body.token,
      password: "bench-password",
    });
  }
  return users;
}
