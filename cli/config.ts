/**
 * Saved login: one JSON file in the user's config directory, readable only by
 * its owner (0600, directory 0700). Which server and token a command uses:
 * flag, then environment, then the saved login (its token only for its own server).
 */
import { join } from "node:path";
import { usageError } from "./errors.ts";

export const DEFAULT_SERVER = "http://localhost:3000";

export interface SavedLogin {
  server: string;
  token: string;
  username: string;
  role: string;
  savedAt: string;
}

export interface Target {
  server: string;
  token?: string;
  /** Where the token came from; "saved" tokens are removed again by `logout`. */
  tokenSource?: "flag" | "env" | "saved";
}

/** `$XDG_CONFIG_HOME/mobimaint`, else the platform's usual per-user config directory. */
export function configDir(env = Deno.env.toObject()): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "mobimaint");
  if (Deno.build.os === "windows" && env.APPDATA) return join(env.APPDATA, "mobimaint");
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) throw usageError("Cannot find a config directory: set HOME or XDG_CONFIG_HOME");
  if (Deno.build.os === "darwin") return join(home, "Library", "Application Support", "mobimaint");
  return join(home, ".config", "mobimaint");
}

export const credentialsPath = () => join(configDir(), "credentials.json");

export async function readSavedLogin(): Promise<SavedLogin | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(credentialsPath());
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const saved = JSON.parse(text) as SavedLogin;
    return typeof saved.server === "string" && typeof saved.token === "string" ? saved : undefined;
  } catch {
    return undefined; // a damaged file is treated as no login; `login` overwrites it
  }
}

/** Writes the login atomically with owner-only permissions. */
export async function saveLogin(login: SavedLogin): Promise<string> {
  const dir = configDir();
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = credentialsPath();
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(login, null, 2) + "\n", { mode: 0o600 });
  if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600); // mode above is masked by umask
  await Deno.rename(tmp, path);
  return path;
}

/** Returns true when a saved login was removed. */
export async function removeSavedLogin(): Promise<boolean> {
  try {
    await Deno.remove(credentialsPath());
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`Invalid server URL "${raw}" (expected e.g. ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`Invalid server URL "${raw}": use http:// or https://`);
  }
  return url.href.replace(/\/+$/, "");
}

export async function resolveTarget(
  flags: { server?: string; token?: string },
  env = Deno.env.toObject(),
): Promise<Target> {
  const saved = await readSavedLogin();
  const server = normalizeServer(flags.server || env.MOBIMAINT_URL || saved?.server || DEFAULT_SERVER);
  if (flags.token) return { server, token: flags.token, tokenSource: "flag" };
  if (env.MOBIMAINT_TOKEN) return { server, token: env.MOBIMAINT_TOKEN, tokenSource: "env" };
  if (saved && normalizeServer(saved.server) === server) {
    return { server, token: saved.token, tokenSource: "saved" };
  }
  return { server };
}
