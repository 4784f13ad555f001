// Checks a snapshot on disk against its manifest: every file re-read (size and sha256), every
// symlink's target, every SQLite copy through `PRAGMA integrity_check`. Problems are values: the
// caller decides whether a damaged snapshot is an error (restore --verify) or a line in a report.
import { lstat, mkdtemp, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackupError } from "./errors.js";
import type { BackupTarget } from "./target.js";
import { DATA_DIR, readManifest, sha256File } from "./manifest.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { integrityCheck } from "./sqlite-copy.js";

export interface VerifyResult {
  ok: boolean;
  id: string;
  files: number;
  bytes: number;
  problems: string[];
}

/** Maps a stored path to the file to check: inside a snapshot folder, or where a restore placed it. */
export type Locate = (stored: string) => string;

async function checkEntry(locate: Locate, entry: ManifestEntry): Promise<string | undefined> {
  const path = locate(entry.path);
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return `${entry.path}: missing`;
  }
  if (entry.type === "dir") return stats.isDirectory() ? undefined : `${entry.path}: expected a directory`;
  if (entry.type === "symlink") {
    if (!stats.isSymbolicLink()) return `${entry.path}: expected a symlink`;
    const target = await readlink(path);
    return target === entry.target ? undefined : `${entry.path}: links to ${target}, expected ${entry.target}`;
  }
  if (!stats.isFile()) return `${entry.path}: expected a file`;
  if (stats.size !== entry.size) return `${entry.path}: ${stats.size} bytes, expected ${entry.size}`;
  const sha256 = await sha256File(path);
  return sha256 === entry.sha256 ? undefined : `${entry.path}: sha256 ${sha256.slice(0, 12)}…, expected ${entry.sha256?.slice(0, 12)}… (the content changed)`;
}

/** Verifies the files `locate` finds (a snapshot's data folder, or a restore target) against `manifest`. */
export async function verifyData(locate: Locate, manifest: Manifest): Promise<VerifyResult> {
  const problems: string[] = [];
  let bytes = 0;
  for (const entry of manifest.files) {
    const problem = await checkEntry(locate, entry);
    if (problem !== undefined) problems.push(problem);
    bytes += entry.size ?? 0;
  }
  for (const database of manifest.sqlite) {
    if (problems.some((problem) => problem.startsWith(`${database.path}:`))) continue;
    const result = integrityCheck(locate(database.path));
    if (result !== "ok") problems.push(`${database.path}: integrity_check: ${result}`);
  }
  return { ok: problems.length === 0, id: manifest.id, files: manifest.files.length, bytes, problems };
}

/** Verifies a snapshot folder as a target stores it: <dir>/manifest.json and <dir>/data/. */
export async function verifySnapshotDir(dir: string): Promise<VerifyResult> {
  const manifest = await readManifest(dir);
  return verifyData((stored) => join(dir, DATA_DIR, stored), manifest);
}

/**
 * Verifies a stored snapshot: fetched whole into a temporary folder (the only way through restic or
 * SFTP to re-read every byte) and checked there. A target that reports damage while fetching (restic
 * checks its own hashes) gives a failed result; a wrong password or an unreachable host still throws.
 */
export async function verifyStored(target: BackupTarget, id: string, scratchRoot = tmpdir()): Promise<VerifyResult> {
  const scratch = await mkdtemp(join(scratchRoot, "understudy-verify-"));
  try {
    await target.get(id, scratch);
    return await verifySnapshotDir(scratch);
  } catch (error) {
    if (error instanceof BackupError && error.kind === "corrupt") return { ok: false, id, files: 0, bytes: 0, problems: [error.message] };
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
