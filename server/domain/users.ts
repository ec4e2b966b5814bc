/** Users: creation, deletion, passwords, authentication, first-start seeding. */
import type { CreateUserBody } from "../../lib/protocol.ts";
import type { PublicUser, Role } from "../../lib/types.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "../auth/password.ts";
import type { Identity } from "../auth/tokens.ts";
import type { Store, UserRecord } from "../store/store.ts";
import { type Clock, systemClock } from "./clock.ts";
import { AppError, badRequest, conflict, notFound } from "./errors.ts";
import { Listeners } from "./listeners.ts";

export interface UserEvents {
  /** The user was deleted: its sessions end everywhere. */
  removed(userId: string): void;
  /** One session ended (logout): the sockets opened with that token end with it. */
  signedOut(userId: string, jti: string): void;
}

/** On the wire a user's id is the username (compat); the record's own key stays in the store. */
export const toPublicUser = (u: UserRecord): PublicUser => ({
  id: u.username,
  username: u.username,
  role: u.role,
  createdAt: u.createdAt,
});

/** The demo users of PROTOCOL.md (compat), created only in demo mode. */
export const DEMO_USERS: { username: string; password: string; role: Role }[] = [
  { username: "user1", password: "P", role: "Technician" },
  { username: "user2", password: "P", role: "Expert" },
  { username: "user3", password: "p3", role: "Expert" },
  { username: "user4", password: "P", role: "Expert" },
  { username: "user5", password: "P", role: "Expert" },
  { username: "uuser7", password: "P", role: "Expert" },
];

export class UserService {
  readonly events = new Listeners<UserEvents>();

  constructor(private readonly store: Store, private readonly clock: Clock = systemClock) {}

  async create(input: CreateUserBody): Promise<PublicUser> {
    const user: UserRecord = {
      id: crypto.randomUUID().replaceAll("-", "").slice(0, 16),
      username: input.username,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: this.clock.now(),
    };
    if (!(await this.store.createUser(user))) {
      throw conflict(`User ${input.username} already exists`);
    }
    return toPublicUser(user);
  }

  async remove(who: Identity, username: string): Promise<void> {
    if (username === who.username) throw badRequest("You cannot delete yourself");
    if (!(await this.store.deleteUser(username))) {
      throw notFound(`User ${username} not found`);
    }
    this.events.emit("removed", username);
  }

  /** A session ended (its token is revoked by the caller). */
  signedOut(who: Identity): void {
    this.events.emit("signedOut", who.userId, who.jti);
  }

  async setPassword(username: string, password: string): Promise<PublicUser> {
    const user = await this.store.getUserByName(username);
    if (!user) throw notFound(`User ${username} not found`);
    user.passwordHash = await hashPassword(password);
    await this.store.updateUser(user);
    return toPublicUser(user);
  }

  /** Checks credentials in constant time whether or not the user exists. */
  async authenticate(username: string, password: string): Promise<UserRecord> {
    const user = await this.store.getUserByName(username);
    const ok = await verifyPassword(
      password,
      user?.passwordHash ?? await dummyPasswordHash(),
    );
    if (!user || !ok) {
      throw new AppError("UNAUTHORIZED", "Invalid username or password");
    }
    return user;
  }

  async list(): Promise<UserRecord[]> {
    return (await this.store.listUsers()).sort((a, b) => a.username.localeCompare(b.username));
  }

  /**
   * First start of an empty store: the admin user (password from config or
   * random, returned so it can be printed once) and, in demo mode, the demo users.
   */
  async seed(
    opts: { demo: boolean; adminPassword?: string },
  ): Promise<{ adminPassword?: string }> {
    if ((await this.store.listUsers()).length > 0) return {};
    const adminPassword = opts.adminPassword ??
      crypto.randomUUID().replaceAll("-", "").slice(0, 20);
    // Several nodes may start at once on one empty Redis: a user another node created first is not an error,
    // and only the node whose admin was stored may print the password.
    const ours = await this.createUnlessTaken({ username: "admin", password: adminPassword, role: "Admin" });
    if (opts.demo) { for (const u of DEMO_USERS) await this.createUnlessTaken(u); }
    return { adminPassword: ours && !opts.adminPassword ? adminPassword : undefined };
  }

  /** create(), but false instead of CONFLICT when the username is taken. */
  private async createUnlessTaken(input: CreateUserBody): Promise<boolean> {
    try {
      await this.create(input);
      return true;
    } catch (e) {
      if (e instanceof AppError && e.code === "CONFLICT") return false;
      throw e;
    }
  }
}
