// Restores a snapshot from a target into a folder: each database and path at its source path under
// the folder (`--to /` puts them back in place), dumps under understudy-dumps/, with the recorded
// mode, mtime and (as root) owner.
//
// A snapshot is input from a target someone else may control, so nothing it says leaves the folder:
// it is fetched into a staging folder inside --to, its manifest checked (digest; every path relative,
// without "..", never through a symlink: see manifest-check.ts), the fetched tree checked (no symlink
// the manifest does not list), and by default every file verified. Only then is anything placed, item
// by item, each destination's folders checked on disk first (a symlink already in --to is refused, not
// followed), what it replaces set aside until every item is in place and put back if one fails. So a
// damaged or crafted snapshot leaves --to as it was, and nothing outside --to is touched.
// setuid/setgid/sticky bits are cleared unless asked for. A non-empty folder is refused unless forced.
import { chmod, cp, lchown, lstat, lutimes, mkdir, mkdtemp, readdir, readlink, realpath, rename, rm, rmdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { BackupError } from "./errors.js";
import { DATA_DIR } from "./manifest.js";
import type { Manifest } from "./manifest.js";
import { firstProblems, UNCHECKED_MANIFEST_NOTE } from "./manifest-check.js";
import { lstatInside, typeOf } from "./data-tree.js";
import { placeOf } from "./layout.js";
import type { BackupTarget } from "./target.js";
import { specialModesNote, verifyData, verifySnapshotDir } from "./verify.js";
import type { VerifyResult } from "./verify.js";

export interface RestoreOptions {
  target: BackupTarget;
  id: string;
  to: string;
  force?: boolean;
  /** Verify every file before anything is placed (the default); false restores a damaged snapshot as it is. */
  verify?: boolean;
  /** Keep recorded setuid, setgid and sticky bits (by default they are cleared and the result says where). */
  keepSpecialModes?: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  to: string;
  /** The check of the placed files, when verifying. */
  verify: VerifyResult | undefined;
  ownersKept: boolean;
  /** What the user should know: an old manifest that could not be checked, cleared setuid bits, skipped checks. */
  notes: string[];
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/**
 * Applies recorded metadata in the staging folder, deepest first, so setting a folder's mtime is the
 * last thing done to it. An entry that is not what the manifest says (only with verify off) is left
 * as fetched. Returns the entries whose setuid/setgid/sticky bits were cleared.
 */
async function applyMetadata(data: string, manifest: Manifest, asRoot: boolean, keepSpecial: boolean): Promise<string[]> {
  const cleared: string[] = [];
  for (const entry of [...manifest.files].reverse()) {
    const found = await lstatInside(data, entry.path);
    if (!found.ok || typeOf(found.stats) !== entry.type) continue;
    const path = join(data, entry.path);
    const mtime = new Date(entry.mtime_ms);
    if (asRoot) await lchown(path, entry.uid, entry.gid);
    if (entry.type !== "symlink") {
      if ((entry.mode & 0o7000) !== 0 && !keepSpecial) cleared.unshift(`${entry.path} (${entry.mode.toString(8).padStart(4, "0")})`);
      await chmod(path, keepSpecial ? entry.mode : entry.mode & 0o777);
    }
    await lutimes(path, mtime, mtime);
  }
  return cleared;
}

/**
 * Checks (and with `create`, makes) each folder above `place` inside `root`: a symlink there would
 * take the write out of the folder, so it is refused and named, never followed.
 */
async function foldersInside(root: string, place: string, what: string, create: boolean): Promise<void> {
  const parts = place.split("/").slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    let stats;
    try {
      stats = await lstat(current);
    } catch {
      if (!create) return;
      await mkdir(current);
      continue;
    }
    if (stats.isSymbolicLink()) {
      throw new BackupError("refused", `${what} would be restored through ${current}, a symlink to ${await readlink(current)} already in ${root}: it is not followed; remove or replace it, or restore into an empty folder`);
    }
    if (!stats.isDirectory()) throw new BackupError("refused", `${what} would be restored under ${current}, which is not a folder`);
  }
}

interface Placed {
  dest: string;
  moved: boolean;
  aside: Array<{ name: string; as: string }>;
}

async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  }
}

/**
 * Moves each item from the staging folder to its place. What a place held is renamed aside (beside it,
 * so on the same file system) and removed only when every item is in place; a failure puts it back.
 */
async function placeItems(root: string, data: string, manifest: Manifest): Promise<void> {
  const databases = new Set(manifest.sqlite.map((database) => database.path));
  const steps: Placed[] = [];
  const suffix = randomBytes(4).toString("hex");
  const placeItem = async (index: number, item: Manifest["items"][number]): Promise<void> => {
    const place = placeOf(manifest, item.stored);
    await foldersInside(root, place, `items[${index}] (${item.source})`, true);
    const step: Placed = { dest: join(root, place), moved: false, aside: [] };
    steps.push(step);
    const staged = join(data, item.stored);
    if (!(await exists(staged))) throw new BackupError("corrupt", `items[${index}] (${item.source}) is not in the snapshot (${item.stored} is missing); nothing was restored`);
    // An old WAL beside the restored database would be replayed into it: SQLite is restored exactly.
    const names = databases.has(item.stored) ? ["", "-wal", "-shm", "-journal"].map((s) => `${step.dest}${s}`) : [step.dest];
    for (const name of names) {
      if (!(await exists(name))) continue;
      const as = `${name}.understudy-old-${suffix}`;
      await rename(name, as);
      step.aside.push({ name, as });
    }
    await moveInto(staged, step.dest);
    step.moved = true;
  };
  try {
    for (const [index, item] of manifest.items.entries()) {
      try {
        await placeItem(index, item);
      } catch (error) {
        if (error instanceof BackupError) throw error;
        throw new BackupError("refused", `items[${index}] (${item.source}) cannot be placed: ${(error as Error).message}; nothing was restored`, { cause: error });
      }
    }
  } catch (error) {
    const stuck: string[] = [];
    for (const step of steps.reverse()) {
      if (step.moved) await rm(step.dest, { recursive: true, force: true }).catch(() => undefined);
      for (const { name, as } of step.aside) await rename(as, name).catch(() => stuck.push(`${as} (was ${name})`));
    }
    if (stuck.length > 0) throw new BackupError("refused", `restoring stopped (${(error as Error).message}) and ${stuck.join(", ")} could not be put back: move ${stuck.length === 1 ? "it" : "them"} back by hand`, { cause: error });
    throw error;
  }
  for (const step of steps) for (const { as } of step.aside) await rm(as, { recursive: true, force: true });
}

export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreResult> {
  const to = resolve(options.to);
  const verify = options.verify !== false;
  const { id } = options;
  if (!options.force && !(await isEmptyOrMissing(to))) {
    throw new BackupError("refused", `${to} is not empty; restore into an empty folder, or pass --force to overwrite the snapshot's paths in it`);
  }
  const created = !(await exists(to));
  await mkdir(to, { recursive: true });
  const root = await realpath(to);
  const staging = await mkdtemp(join(root, ".understudy-restore-"));
  let done = false;
  try {
    await options.target.get(id, staging);
    const fetched = await verifySnapshotDir(staging, `snapshot ${id}'s manifest`);
    const { manifest } = fetched;
    if (fetched.unsafe.length > 0) {
      throw new BackupError("corrupt", `snapshot ${id} is unsafe: ${firstProblems(fetched.unsafe)}; nothing was restored`);
    }
    const notes: string[] = fetched.notes.filter((note) => note === UNCHECKED_MANIFEST_NOTE);
    if (verify && !fetched.ok) {
      throw new BackupError("corrupt", `snapshot ${id} is damaged (${firstProblems(fetched.problems)}); nothing was restored. \`understudy restore ${id} --no-verify\` restores it anyway, as it is`);
    }
    if (!fetched.ok) notes.push(`restored with --no-verify although the snapshot is damaged: ${firstProblems(fetched.problems)}`);
    // Every destination is checked before the first is written, so a refusal leaves --to as it was.
    for (const [index, item] of manifest.items.entries()) await foldersInside(root, placeOf(manifest, item.stored), `items[${index}] (${item.source})`, false);
    const asRoot = process.getuid?.() === 0;
    const data = join(staging, DATA_DIR);
    const cleared = await applyMetadata(data, manifest, asRoot, options.keepSpecialModes === true);
    if (cleared.length > 0) notes.push(specialModesNote(cleared, true));
    await placeItems(root, data, manifest);
    done = true;
    const after = verify ? await verifyData(root, manifest, (stored) => placeOf(manifest, stored)) : undefined;
    return { manifest, to: root, verify: after, ownersKept: asRoot, notes };
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (!done && created) await rmdir(to).catch(() => undefined);
  }
}
