/**
 * Password hashing with scrypt (memory-hard) from node:crypto, with a random
 * salt per password and a constant-time comparison. Stored format:
 * `scrypt$N$r$p$saltB64$hashB64`, so parameters can be raised later.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import pLimit from "p-limit";

const N = 16384, R = 8, P = 1, KEYLEN = 32;

/**
 * Hashes run one core short of the machine's: scrypt is ~90 ms of a core, and a shift of users signing in at
 * once would otherwise take every core from the event loop that relays the calls under way. Sign-ins wait
 * their turn instead (the login limiter bounds how many can queue from one client or for one account).
 */
export const HASHING_AT_ONCE = Math.max(1, (navigator.hardwareConcurrency || 1) - 1);
const hashing = pLimit(HASHING_AT_ONCE);

/** Hashes running and waiting now. */
export const hashingLoad = () => ({ running: hashing.activeCount, waiting: hashing.pendingCount });

function derive(
  password: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return hashing(() =>
    new Promise<Buffer>((resolve, reject) =>
      scrypt(
        password,
        salt,
        KEYLEN,
        { N: n, r, p, maxmem: 64 * 1024 * 1024 },
        (err, key) => err ? reject(err) : resolve(key),
      )
    )
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(
  password: string,
  stored: string,
): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split("$");
  if (alg !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const key = await derive(
    password,
    Buffer.from(salt, "base64"),
    Number(n),
    Number(r),
    Number(p),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password, used to spend the same time when a username does not exist. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  return dummyHash ??= hashPassword(crypto.randomUUID());
}
