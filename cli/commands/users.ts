/** `mobimaint users [list]`, `users add|remove|passwd`, `mobimaint experts`. */
import { type Command, InvalidArgumentError } from "commander";
import type { ExpertsResponse, UserResponse, UsersStatusResponse } from "../../lib/rest.ts";
import type { Role } from "../../lib/types.ts";
import { ROLES } from "../../lib/types.ts";
import { contextOf, examples } from "../context.ts";
import { newPassword } from "../prompt.ts";

/** Accepts a role in any letter case ("expert" → "Expert"). */
function parseRole(value: string): Role {
  const role = ROLES.find((r) => r.toLowerCase() === value.toLowerCase());
  if (!role) throw new InvalidArgumentError(`Role must be one of ${ROLES.join(", ")}.`);
  return role;
}

const path = (username: string) => `/api/users/${encodeURIComponent(username)}`;

export function registerUsers(program: Command): void {
  const users = program.command("users")
    .description("list users with role, status and availability; add, remove, set passwords (Admin)")
    .addHelpText(
      "after",
      examples(
        "mobimaint users",
        "mobimaint users add alice --role Expert",
        "printf '%s\\n' \"$PW\" | mobimaint users add bob --role Technician --password-stdin",
        "mobimaint users passwd alice",
        "mobimaint users remove alice",
      ),
    );

  users.command("list", { isDefault: true })
    .description("list all users: username, role, status (online/offline), availability (Admin)")
    .addHelpText("after", examples("mobimaint users list", "mobimaint users list --json"))
    .action(async (_opts, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const { body } = await client.get<UsersStatusResponse>("/api/users/status");
      if (out.json) return out.printJson(body);
      out.print(out.table(
        ["USERNAME", "ROLE", "STATUS", "AVAILABILITY"],
        body.users.map((u) => [u.username, u.role, out.status(u.status), out.status(u.availability)]),
      ));
      out.print(`\n${body.totalUsers} user(s), ${body.onlineUsers} online`);
    });

  users.command("add")
    .description("create a user; the password is prompted (not echoed) or read from stdin (Admin)")
    .argument("<username>", "letters, digits, dot, underscore and dash")
    .requiredOption("-r, --role <role>", `one of ${ROLES.join(", ")}`, parseRole)
    .option("--password-stdin", "read the password from the first line of stdin")
    .addHelpText(
      "after",
      examples(
        "mobimaint users add alice --role Expert",
        "mobimaint users add bob --role technician --password-stdin < pw.txt",
      ),
    )
    .action(async (username: string, opts: { role: Role; passwordStdin?: boolean }, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const password = await newPassword(!!opts.passwordStdin, username);
      const { body } = await client.post<UserResponse>("/api/users", { username, password, role: opts.role });
      if (out.json) return out.printJson(body);
      out.print(`Created user ${body.username} (${body.role}).`);
    });

  users.command("remove")
    .alias("rm")
    .description("delete a user (Admin; you cannot delete yourself)")
    .argument("<username>", "the user to delete")
    .addHelpText("after", examples("mobimaint users remove alice"))
    .action(async (username: string, _opts, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const { body } = await client.delete(path(username));
      if (out.json) return out.printJson(body);
      out.print(`Removed user ${username}.`);
    });

  users.command("passwd")
    .description("set a user's password; prompted (not echoed) or read from stdin (Admin)")
    .argument("<username>", "the user whose password changes")
    .option("--password-stdin", "read the password from the first line of stdin")
    .addHelpText(
      "after",
      examples(
        "mobimaint users passwd alice",
        "printf '%s\\n' \"$PW\" | mobimaint users passwd alice --password-stdin",
      ),
    )
    .action(async (username: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const password = await newPassword(!!opts.passwordStdin, username);
      const { body } = await client.put<UserResponse>(`${path(username)}/password`, { password });
      if (out.json) return out.printJson(body);
      out.print(`Password changed for ${body.username}.`);
    });

  program.command("experts")
    .description("list Experts with their availability (any logged-in user)")
    .addHelpText("after", examples("mobimaint experts", "mobimaint experts --json"))
    .action(async (_opts, cmd: Command) => {
      const { client, out } = await contextOf(cmd);
      const { body } = await client.get<ExpertsResponse>("/api/experts");
      if (out.json) return out.printJson(body);
      out.print(out.table(
        ["USERNAME", "STATUS", "AVAILABILITY"],
        body.experts.map((u) => [u.username, out.status(u.status), out.status(u.availability)]),
      ));
      const available = body.experts.filter((u) => u.availability === "available").length;
      out.print(`\n${body.totalExperts} expert(s), ${available} available`);
    });
}
