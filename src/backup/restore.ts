// Restores a snapshot from a target into a folder: each database and path at its source path under
// the folder (`--to /` puts them back in place), dumps under understudy-dumps/, with the recorded
// mode, mtime and (as root) owner. Nothing in the folder is touched until the snapshot has been
// fetched whole (and, with verify, checked): a wrong password, an unreachable host or a damaged
// snapshot leaves it as it was. A non-empty folder is refused unless forced.
import { chmod, cp, lchown, lutimes, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { BackupError } from "./errors.js";
import { DATA_DIR } from "./manifest.js";
import type { Manifest } from "./manifest.js";
import { placedItems, placeOf } from "./layout.js";
import type { BackupTarget } from "./target.js";
import { verifyData } from "./verify.js";
import type { VerifyResult } from "./verify.js";

export interface RestoreOptions {
  target: BackupTarget;
  id: string;
  to: string;
  force?: boolean;
  verify?: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  to: string;
  verify: VerifyResult | undefined;
  ownersKept: boolean;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

/** Applies recorded metadata, deepest first, so setting a folder's mtime is the last thing done to it. */
async function applyMetadata(root: string, manifest: Manifest, asRoot: boolean): Promise<void> {
  for (const entry of [...manifest.files].reverse()) {
    const path = join(root, entry.path);
    const mtime = new Date(entry.mtime_ms);
    if (asRoot) await lchown(path, entry.uid, entry.gid);
    if (entry.type !== "symlink") await chmod(path, entry.mode);
    await lutimes(path, mtime, mtime);
  }
}

async function move(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
}

export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreResult> {
  const to = resolve(options.to);
  if (!options.force && !(await isEmptyOrMissing(to))) {
    throw new BackupError("refused", `${to} is not empty; restore into an empty folder, or pass --force to overwrite the snapshot's paths in it`);
  }
  const parent = dirname(to) === to ? tmpdir() : dirname(to);
  await mkdir(parent, { recursive: true });
  const scratch = await mkdtemp(join(parent, ".understudy-restore-"));
  try {
    const manifest = await options.target.get(options.id, scratch);
    const data = join(scratch, DATA_DIR);
    const verify = options.verify ? await verifyData((stored) => join(data, stored), manifest) : undefined;
    if (verify && !verify.ok) {
      throw new BackupError("corrupt", `snapshot ${options.id} is damaged (${verify.problems.slice(0, 3).join("; ")}${verify.problems.length > 3 ? "; …" : ""}); nothing was restored`);
    }
    const asRoot = process.getuid?.() === 0;
    await applyMetadata(data, manifest, asRoot);
    const databases = new Set(manifest.sqlite.map((database) => database.path));
    for (const { stored, place } of placedItems(manifest)) {
      const dest = join(to, place);
      if (options.force) await rm(dest, { recursive: true, force: true });
      // An old WAL beside the restored database would be replayed into it: SQLite is restored exactly.
      if (databases.has(stored)) for (const suffix of ["-wal", "-shm", "-journal"]) await rm(`${dest}${suffix}`, { force: true });
      await move(join(data, stored), dest);
    }
    const after = options.verify ? await verifyData((stored) => join(to, placeOf(manifest, stored)), manifest) : undefined;
    return { manifest, to, verify: after, ownersKept: asRoot };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
