/** `mobimaint login` and `mobimaint logout`. */
import type { Command } from "commander";
import type { LoginResponse } from "../../lib/protocol.ts";
import { credentialsPath, removeSavedLogin, saveLogin } from "../config.ts";
import { clientFor, contextOf, examples, type GlobalOptions } from "../context.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { passwordFromStdin, promptLine, promptSecret } from "../prompt.ts";

export function registerAuth(program: Command): void {
  program.command("login")
    .description("log in and save the token in your config directory (file mode 0600)")
    .option("-u, --username <name>", "username (prompted when omitted)")
    .option("--password-stdin", "read the password from the first line of stdin")
    .addHelpText(
      "after",
      examples(
        "mobimaint login",
        "mobimaint login --server https://mobimaint.example.com --username admin",
        "printf '%s\\n' \"$PW\" | mobimaint login -u admin --password-stdin",
      ),
    )
    .action(async (opts: { username?: string; passwordStdin?: boolean }, cmd: Command) => {
      const { target, out } = await contextOf(cmd);
      const username = opts.username ?? await promptLine("Username: ", "username (--username)");
      if (!username) throw usageError("Username must not be empty");
      const password = opts.passwordStdin ? await passwordFromStdin() : await promptSecret("Password: ");
      // Credentials go to the resolved server only; no token is sent with them.
      const client = await clientFor({ server: target.server }, cmd.optsWithGlobals<GlobalOptions>());
      const { body } = await client.post<LoginResponse>("/login", { username, password }, { auth: false });
      const file = await saveLogin({
        server: target.server,
        token: body.token,
        username: body.username ?? username,
        role: body.role,
        savedAt: new Date().toISOString(),
      });
      if (out.json) {
        const { token: _token, ...rest } = body; // the token stays in the credentials file
        return out.printJson(rest);
      }
      out.print(`Logged in to ${target.server} as ${body.username ?? username} (${body.role}).`);
      out.print(`Token saved in ${file}.`);
    });

  program.command("logout")
    .description("revoke the token on the server and forget the saved login")
    .addHelpText("after", examples("mobimaint logout"))
    .action(async (_opts, cmd: Command) => {
      const { target, client, out } = await contextOf(cmd);
      if (!target.token) {
        const removed = await removeSavedLogin();
        if (!out.json) {
          out.print(removed ? `Forgot the saved login (${credentialsPath()}).` : "Not logged in.");
        } else out.printJson({ ok: true });
        return;
      }
      let revokeError: CliError | undefined;
      let body: unknown = { ok: true };
      try {
        body = (await client.post("/logout")).body;
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        // A token the server no longer accepts is as good as revoked.
        if (e.exitCode !== EXIT.NOT_AUTHENTICATED) revokeError = e;
      }
      if (target.tokenSource === "saved") await removeSavedLogin();
      if (revokeError) {
        throw new CliError(revokeError.exitCode, `${revokeError.message}; the token was not revoked`);
      }
      if (out.json) return out.printJson(body);
      out.print(`Logged out of ${target.server}.`);
    });
}
