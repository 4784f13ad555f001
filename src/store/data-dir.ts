// Where the agent keeps its state: `agents.data_dir`, else systemd's $STATE_DIRECTORY, else ./.understudy.
// A data_dir starting with "~/" is in the user's home ($HOME), e.g. ~/.local/state/understudy, the folder
// examples/homelab.yaml names so that trying it from a checkout keeps no state inside examples/.
// The directory is private (0700): it holds incident history and the services' active hosts.
import { mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { StoreError } from "./store-error.js";

export const STORE_FILE_NAME = "understudy.db";

/**
 * The data directory, absolute. A relative `data_dir` is taken from `base` (the config file's folder);
 * $STATE_DIRECTORY may list several folders separated by ":" (systemd), the first is ours.
 */
export function resolveDataDir(dataDir: string | undefined, env: Readonly<Record<string, string | undefined>>, base: string): string {
  if (dataDir === "~" || dataDir?.startsWith("~/")) return resolve(env.HOME || homedir(), dataDir.slice(2));
  if (dataDir !== undefined && dataDir !== "") return resolve(base, dataDir);
  const fromSystemd = env.STATE_DIRECTORY?.split(":")[0];
  if (fromSystemd) return resolve(base, fromSystemd);
  return resolve(base, ".understudy");
}

/** The store file inside a data directory. */
export function storePathIn(dataDir: string): string {
  return join(dataDir, STORE_FILE_NAME);
}

/** Creates the directory (0700) when missing; a clear StoreError when it cannot be a directory we own. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way" : code === "EACCES" || code === "EPERM" || code === "EROFS" ? "permission denied" : String(code ?? error);
    throw new StoreError(`Cannot create the state directory (${why})`, dir, "Set agents.data_dir to a directory this user can create and write, or fix the path.", { cause: error });
  }
  if (!statSync(dir).isDirectory()) {
    throw new StoreError("The state directory is not a directory", dir, "Set agents.data_dir to a directory, or move the file aside.");
  }
}
