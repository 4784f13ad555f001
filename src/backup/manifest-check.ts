// Whether a stored manifest can be trusted before anything is written from it. A snapshot comes back
// from a target that someone else may control (a NAS, a remote folder), so its manifest is input:
// every path must stay inside the snapshot's data folder and, once placed, inside the restore folder
// (no "..", no absolute path, nothing placed through a symlink or a file the same snapshot creates),
// and its digest must match (an edited manifest is caught). Problems name the entry (`files[3] "…"`).
// This is the check on the manifest alone; restore and verify also check the fetched tree and the
// restore folder on disk (a symlink that is there but not in the manifest, or one already in --to).
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "./errors.js";
import { placeOf } from "./layout.js";
import { MANIFEST_FILE, manifestDigest, parseManifest } from "./manifest.js";
import type { Manifest } from "./manifest.js";

export interface CheckedManifest {
  manifest: Manifest;
  /** "verified": the digest matches; "absent": an older manifest without one, whose own integrity could not be checked. */
  digest: "verified" | "absent";
}

export const UNCHECKED_MANIFEST_NOTE: string = "this snapshot's manifest has no digest (it was written by an older understudy): its own integrity could not be checked, only its files against it";

function relativeProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.startsWith("/")) return "is an absolute path";
  for (const segment of path.split("/")) {
    if (segment === "..") return 'has a ".." segment (it would leave the folder)';
    if (segment === "" || segment === ".") return 'has an empty or "." segment';
    if (segment.includes("\0")) return "has a NUL byte";
  }
  return undefined;
}

/** Every proper ancestor of a "/"-separated relative path: "a/b/c" → ["a", "a/b"]. */
function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join("/"));
}

function itemProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  manifest.items.forEach((item, index) => {
    const name = `items[${index}] "${item.stored}"`;
    const stored = relativeProblem(item.stored);
    if (stored !== undefined) problems.push(`${name}: its stored path ${stored}`);
    const other = manifest.items.findIndex((o, j) => j !== index && (o.stored === item.stored || item.stored.startsWith(`${o.stored}/`)));
    if (other !== -1) problems.push(`${name}: overlaps items[${other}] "${manifest.items[other]!.stored}"`);
    if (item.kind === "command") return;
    const segments = item.source.split("/").filter((segment) => segment !== "");
    if (segments.includes("..") || segments.includes(".")) problems.push(`${name}: its source ${item.source} has a "." or ".." segment (it would be restored outside the folder)`);
    else if (segments.length === 0 || segments.some((segment) => segment.includes("\0"))) problems.push(`${name}: its source "${item.source}" would be restored over the whole folder`);
  });
  return problems;
}

function fileProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  const byPath = new Map<string, { type: string; index: number }>();
  const placed = new Map<string, { type: string; index: number }>();
  manifest.files.forEach((entry, index) => {
    const name = `files[${index}] "${entry.path}"`;
    const path = relativeProblem(entry.path);
    if (path !== undefined) return problems.push(`${name}: the path ${path}`);
    if (byPath.has(entry.path)) return problems.push(`${name}: listed twice`);
    if (!manifest.items.some((item) => entry.path === item.stored || entry.path.startsWith(`${item.stored}/`))) return problems.push(`${name}: belongs to no item`);
    if (entry.type === "symlink" && entry.target === undefined) return problems.push(`${name}: a symlink without a target`);
    if (entry.mode < 0 || entry.mode > 0o7777) return problems.push(`${name}: mode ${entry.mode.toString(8)} is more than permission bits (at most 7777)`);
    byPath.set(entry.path, { type: entry.type, index });
    placed.set(placeOf(manifest, entry.path), { type: entry.type, index });
    return undefined;
  });
  if (problems.length > 0) return problems;
  manifest.files.forEach((entry, index) => {
    const name = `files[${index}] "${entry.path}"`;
    for (const parent of ancestors(entry.path)) {
      const found = byPath.get(parent);
      if (found && found.type !== "dir") problems.push(`${name}: lies beneath the ${found.type} files[${found.index}] "${parent}" (it would be written through it)`);
    }
    const place = placeOf(manifest, entry.path);
    for (const parent of ancestors(place)) {
      const found = placed.get(parent);
      if (found && found.type !== "dir") problems.push(`${name}: would be restored at ${place}, through the ${found.type} files[${found.index}] "${manifest.files[found.index]!.path}" restored at ${parent}`);
    }
  });
  manifest.sqlite.forEach((database, index) => {
    if (byPath.get(database.path)?.type !== "file") problems.push(`sqlite[${index}] "${database.path}": not a file of the snapshot`);
  });
  return problems;
}

/** Every way this manifest's paths would leave the data folder or the restore folder; empty when none. */
export function manifestPathProblems(manifest: Manifest): string[] {
  const problems = itemProblems(manifest);
  return problems.length > 0 ? problems : fileProblems(manifest);
}

/** The first problems of a list, for a one-line message. */
export function firstProblems(problems: readonly string[], count = 3): string {
  return `${problems.slice(0, count).join("; ")}${problems.length > count ? `; and ${problems.length - count} more` : ""}`;
}

/** Parses a stored manifest and checks its digest and paths; a manifest that fails is "corrupt", with the entry named. */
export function openManifest(text: string, where: string): CheckedManifest {
  const manifest = parseManifest(text, where);
  const json = JSON.parse(text) as Record<string, unknown>;
  if (json.digest !== undefined && json.digest !== manifestDigest(json)) {
    throw new BackupError("corrupt", `${where} was changed after it was written (its digest does not match its content): the snapshot cannot be trusted`);
  }
  const problems = manifestPathProblems(manifest);
  if (problems.length > 0) throw new BackupError("corrupt", `${where} is unsafe: ${firstProblems(problems)}; the snapshot was refused`);
  return { manifest, digest: json.digest === undefined ? "absent" : "verified" };
}

/** Reads and checks `<snapshotDir>/manifest.json`; `label` names it in messages (default: the file). */
export async function readCheckedManifest(snapshotDir: string, label?: string): Promise<CheckedManifest> {
  const file = join(snapshotDir, MANIFEST_FILE);
  let text: string;
  try {
    if (!(await lstat(file)).isFile()) throw new Error("not a regular file");
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BackupError("corrupt", `${snapshotDir} has no readable ${MANIFEST_FILE}: it is not a complete snapshot`, { cause: error });
  }
  return openManifest(text, label ?? file);
}
