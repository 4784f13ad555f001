// Checks a snapshot on disk against its manifest: the manifest's own digest and paths, every file
// re-read (size and sha256), every symlink's target, every SQLite copy through `PRAGMA integrity_check`,
// and the fetched tree itself (a symlink or a file the manifest does not list). Nothing is read through
// a symlink. Problems are values: the caller decides whether a damaged snapshot is an error (restore)
// or a line in a report (backup verify).
import { mkdtemp, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackupError } from "./errors.js";
import type { BackupTarget } from "./target.js";
import { DATA_DIR, sha256File } from "./manifest.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { readCheckedManifest, UNCHECKED_MANIFEST_NOTE } from "./manifest-check.js";
import { inspectDataTree, lstatInside, typeOf } from "./data-tree.js";
import { integrityCheck } from "./sqlite-copy.js";

export interface VerifyResult {
  ok: boolean;
  id: string;
  files: number;
  bytes: number;
  problems: string[];
  /** What a person should know that does not make the snapshot bad (an unchecked old manifest, setuid bits). */
  notes: string[];
}

/** Where a stored path is, relative to the root being checked: itself in a snapshot's data folder, or where a restore placed it. */
export type Place = (stored: string) => string;

const TYPE_NAMES = { file: "a file", dir: "a directory", symlink: "a symlink", other: "a special file" } as const;

async function checkEntry(root: string, place: Place, entry: ManifestEntry): Promise<string | undefined> {
  const found = await lstatInside(root, place(entry.path));
  if (!found.ok) return `${entry.path}: ${found.problem}`;
  const type = typeOf(found.stats);
  if (type !== entry.type) return `${entry.path}: expected ${TYPE_NAMES[entry.type]}, found ${TYPE_NAMES[type]}`;
  const path = join(root, place(entry.path));
  if (entry.type === "dir") return undefined;
  if (entry.type === "symlink") {
    const target = await readlink(path);
    return target === entry.target ? undefined : `${entry.path}: links to ${target}, expected ${entry.target}`;
  }
  if (found.stats.size !== entry.size) return `${entry.path}: ${found.stats.size} bytes, expected ${entry.size}`;
  const sha256 = await sha256File(path);
  return sha256 === entry.sha256 ? undefined : `${entry.path}: sha256 ${sha256.slice(0, 12)}…, expected ${entry.sha256?.slice(0, 12)}… (the content changed)`;
}

/** Verifies the files under `root` (a snapshot's data folder, or a restore folder with `place`) against `manifest`. */
export async function verifyData(root: string, manifest: Manifest, place: Place = (stored) => stored): Promise<VerifyResult> {
  const problems: string[] = [];
  let bytes = 0;
  for (const entry of manifest.files) {
    const problem = await checkEntry(root, place, entry);
    if (problem !== undefined) problems.push(problem);
    bytes += entry.size ?? 0;
  }
  for (const database of manifest.sqlite) {
    if (problems.some((problem) => problem.startsWith(`${database.path}:`))) continue;
    const result = integrityCheck(join(root, place(database.path)));
    if (result !== "ok") problems.push(`${database.path}: integrity_check: ${result}`);
  }
  return { ok: problems.length === 0, id: manifest.id, files: manifest.files.length, bytes, problems, notes: [] };
}

/** Entries whose recorded mode has setuid, setgid or sticky bits, as "path (mode)". */
export function specialModes(manifest: Manifest): string[] {
  return manifest.files.filter((entry) => entry.type !== "symlink" && (entry.mode & 0o7000) !== 0).map((entry) => `${entry.path} (${entry.mode.toString(8).padStart(4, "0")})`);
}

export function specialModesNote(entries: readonly string[], restoring: boolean): string {
  const list = `${entries.slice(0, 3).join(", ")}${entries.length > 3 ? `, and ${entries.length - 3} more` : ""}`;
  return restoring
    ? `setuid/setgid/sticky bits were cleared (modes clamped to 0777) on ${list}; restore with --keep-setuid to keep them`
    : `${entries.length} entr${entries.length === 1 ? "y has" : "ies have"} setuid/setgid/sticky bits (${list}): restore clears them unless --keep-setuid`;
}

/**
 * Verifies a fetched snapshot folder (<dir>/manifest.json and <dir>/data/): the manifest's digest and
 * paths (an unsafe or edited manifest throws a "corrupt" BackupError naming the entry), the tree, every file.
 */
export async function verifySnapshotDir(dir: string, label?: string): Promise<VerifyResult & { unsafe: string[]; manifest: Manifest }> {
  const { manifest, digest } = await readCheckedManifest(dir, label);
  const data = join(dir, DATA_DIR);
  const tree = await inspectDataTree(data, manifest);
  const result = tree.unsafe.length > 0 ? { ok: false, id: manifest.id, files: manifest.files.length, bytes: 0, problems: [], notes: [] } : await verifyData(data, manifest);
  const problems = [...tree.unsafe, ...result.problems, ...tree.extra];
  const notes = [...(digest === "absent" ? [UNCHECKED_MANIFEST_NOTE] : [])];
  const special = specialModes(manifest);
  if (special.length > 0) notes.push(specialModesNote(special, false));
  return { ...result, ok: problems.length === 0, problems, notes, unsafe: tree.unsafe, manifest };
}

/**
 * Verifies a stored snapshot: fetched whole into a temporary folder (the only way through restic or
 * SFTP to re-read every byte) and checked there. A target that reports damage while fetching (restic
 * checks its own hashes), an edited manifest or one whose paths would leave the restore folder give a
 * failed result; a wrong password or an unreachable host still throws.
 */
export async function verifyStored(target: BackupTarget, id: string, scratchRoot = tmpdir()): Promise<VerifyResult> {
  const scratch = await mkdtemp(join(scratchRoot, "understudy-verify-"));
  try {
    await target.get(id, scratch);
    const { unsafe: _unsafe, manifest: _manifest, ...result } = await verifySnapshotDir(scratch, `snapshot ${id}'s manifest`);
    return result;
  } catch (error) {
    if (error instanceof BackupError && error.kind === "corrupt") return { ok: false, id, files: 0, bytes: 0, problems: [error.message], notes: [] };
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
