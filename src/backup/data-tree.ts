// A snapshot's files on disk, looked at without ever following a symlink: the fetched data folder
// (whose shape came from a target, not from us) and the folder a restore writes into. A path is only
// touched when every folder above it is a real folder inside the root: a symlink met on the way, one
// the manifest does not list, or one already in the restore folder, is reported, never followed.
import { lstat, readdir } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import type { Manifest, ManifestEntry } from "./manifest.js";

export type Inside = { ok: true; stats: Stats } | { ok: false; problem: string };

/** lstat of `root/relative` after checking that each folder between them is a real folder (not a symlink). */
export async function lstatInside(root: string, relative: string): Promise<Inside> {
  const parts = relative.split("/").filter((part) => part !== "");
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = join(current, part);
    let stats: Stats;
    try {
      stats = await lstat(current);
    } catch {
      return { ok: false, problem: "missing" };
    }
    if (index === parts.length - 1) return { ok: true, stats };
    const above = parts.slice(0, index + 1).join("/");
    if (stats.isSymbolicLink()) return { ok: false, problem: `${above} is a symlink: not followed` };
    if (!stats.isDirectory()) return { ok: false, problem: `${above} is not a folder` };
  }
  return { ok: false, problem: "an empty path" };
}

export function typeOf(stats: Stats): ManifestEntry["type"] | "other" {
  if (stats.isSymbolicLink()) return "symlink";
  if (stats.isDirectory()) return "dir";
  return stats.isFile() ? "file" : "other";
}

export interface TreeReport {
  /** Symlinks where the manifest has none, or has something else: following them would leave the folder. */
  unsafe: string[];
  /** Entries the manifest does not list (the snapshot was changed). */
  extra: string[];
}

/** Walks a fetched data folder (never through a symlink) and compares what is there with the manifest. */
export async function inspectDataTree(dataDir: string, manifest: Manifest): Promise<TreeReport> {
  const listed = new Map(manifest.files.map((entry) => [entry.path, entry.type]));
  const folders = new Set<string>();
  for (const path of listed.keys()) {
    const parts = path.split("/");
    for (let n = 1; n < parts.length; n++) folders.add(parts.slice(0, n).join("/"));
  }
  const report: TreeReport = { unsafe: [], extra: [] };
  const walk = async (relative: string): Promise<void> => {
    for (const dirent of await readdir(relative === "" ? dataDir : join(dataDir, relative), { withFileTypes: true })) {
      const path = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
      const type = listed.get(path) ?? (folders.has(path) ? "dir" : undefined);
      if (dirent.isSymbolicLink() && type !== "symlink") {
        report.unsafe.push(`${path}: a symlink where the manifest has ${type === undefined ? "nothing" : `a ${type}`}`);
      } else if (type === undefined) {
        report.extra.push(`${path}: not in the manifest`);
      } else if (dirent.isDirectory() && type === "dir") {
        await walk(path);
      }
    }
  };
  try {
    await walk("");
  } catch (error) {
    report.unsafe.push(`the data folder cannot be read: ${(error as Error).message}`);
  }
  return report;
}
