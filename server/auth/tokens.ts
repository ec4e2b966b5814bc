/**
 * Signed, expiring session tokens (JWT HS256 via jose). `alg` is pinned so
 * `alg: none` and other algorithms are refused; revocation (logout) is a
 * store lookup by `jti`.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import type { Role } from "../../lib/types.ts";
import { ROLES } from "../../lib/types.ts";
import { AppError } from "../domain/errors.ts";
import type { Store } from "../store/store.ts";

/**
 * Who a request or socket acts as. On the wire a user's id is the username (compat), so `userId` and
 * `username` are equal; `key` is the store's immutable key of this user's record, and `since` its creation
 * time: a user deleted and created again under the same name has another key and a later `since`, so the
 * old one's tokens, calls and history do not carry over.
 */
export interface Identity {
  userId: string;
  username: string;
  key: string;
  since: number;
  role: Role;
  jti: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

export class TokenService {
  /** Imported once: jose would otherwise import the raw secret on every sign and verify. */
  private readonly key: Promise<CryptoKey>;
  constructor(
    secret: string,
    private readonly ttlSec: number,
    private readonly store: Store,
  ) {
    this.key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  async issue(user: { id: string; username: string; role: Role }): Promise<string> {
    return new SignJWT({ username: user.username, role: user.role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(user.id)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSec}s`)
      .sign(await this.key);
  }

  /** Verifies signature, expiry and revocation; throws UNAUTHORIZED otherwise. */
  async verify(token: string | undefined | null): Promise<Identity> {
    if (!token) throw new AppError("UNAUTHORIZED", "Authentication required");
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        algorithms: ["HS256"],
      }));
    } catch (e) {
      const expired = e instanceof errors.JWTExpired;
      throw new AppError(
        "UNAUTHORIZED",
        expired ? "Token expired" : "Invalid token",
      );
    }
    const role = payload.role as Role;
    if (
      typeof payload.sub !== "string" || typeof payload.jti !== "string" ||
      typeof payload.exp !== "number" ||
      typeof payload.username !== "string" || !ROLES.includes(role)
    ) throw new AppError("UNAUTHORIZED", "Invalid token");
    return await this.recheck({
      userId: payload.username,
      username: payload.username,
      key: payload.sub,
      since: 0,
      role,
      jti: payload.jti,
      exp: payload.exp * 1000,
    });
  }

  /**
   * Checks an identity taken from a verified token again (a resumed socket
   * session): not expired, not revoked, the user still exists. Resolves with
   * the identity as stored now (the role is always the stored one).
   */
  async recheck(identity: Identity): Promise<Identity> {
    if (identity.exp <= Date.now()) throw new AppError("UNAUTHORIZED", "Token expired");
    const [revoked, user] = await Promise.all([
      this.store.isTokenRevoked(identity.jti),
      this.store.getUserByName(identity.username),
    ]);
    if (revoked) throw new AppError("UNAUTHORIZED", "Token revoked");
    // A deleted user's tokens die with the user, and do not come back with a new user of the same name.
    if (!user || user.id !== identity.key) throw new AppError("UNAUTHORIZED", "User no longer exists");
    return {
      ...identity,
      userId: user.username,
      username: user.username,
      key: user.id,
      since: user.createdAt,
      role: user.role,
    };
  }

  revoke(identity: Identity): Promise<void> {
    return this.store.revokeToken(identity.jti, identity.exp);
  }
}

export const SESSION_COOKIE = "mobimaint_session";
