/** Users with their presence: the one builder of the directory the REST API and the pages show. */
import type { Role, UserStatus } from "../../lib/types.ts";
import type { Presence } from "./presence.ts";
import type { UserService } from "./users.ts";

export async function directory(users: UserService, presence: Presence, role?: Role): Promise<UserStatus[]> {
  return (await users.list()).filter((u) => !role || u.role === role).map((u) => ({
    id: u.username,
    username: u.username,
    role: u.role,
    status: presence.status(u.username),
    availability: presence.availability(u.username),
  }));
}
