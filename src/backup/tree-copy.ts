// Copies a file or directory tree into a snapshot's staging folder, recording for every entry the
// source's metadata (mode, owner, mtime, symlink target) and the copy's size and sha256, hashed while
// it is written so every byte is read once. Sockets and FIFOs are skipped: they are not data.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, readlink, symlink, chmod, utimes } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { join } from "node:path";
import type { Stats } from "node:fs";
import type { ManifestEntry } from "./manifest.js";

function meta(stats: Stats): Pick<ManifestEntry, "mode" | "uid" | "gid" | "mtime_ms"> {
  return { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime_ms: stats.mtimeMs };
}

/** Streams `source` to `dest`, returning the copy's size and sha256. */
export async function copyHashed(source: NodeJS.ReadableStream | string, dest: string, mode = 0o600): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const input = typeof source === "string" ? createReadStream(source) : source;
  await pipeline(input, tap, createWriteStream(dest, { flags: "wx", mode }));
  return { size, sha256: hash.digest("hex") };
}

/**
 * Copies `source` to `dest`; `relative` is dest's path inside the snapshot's data folder. Entries are
 * listed parents first, so a restore can create them in order and set directory times last.
 */
export async function copyTree(source: string, dest: string, relative: string): Promise<ManifestEntry[]> {
  const stats = await lstat(source);
  if (stats.isSymbolicLink()) {
    const target = await readlink(source);
    await symlink(target, dest);
    return [{ path: relative, type: "symlink", target, ...meta(stats) }];
  }
  if (stats.isDirectory()) {
    await mkdir(dest, { mode: 0o700 });
    const entries: ManifestEntry[] = [{ path: relative, type: "dir", ...meta(stats) }];
    for (const name of (await readdir(source)).sort()) {
      entries.push(...(await copyTree(join(source, name), join(dest, name), `${relative}/${name}`)));
    }
    // The staged copy stays writable by us (so it can be cleaned up); the manifest holds the real mode.
    await chmod(dest, (stats.mode & 0o7777) | 0o700);
    await utimes(dest, stats.atime, stats.mtime);
    return entries;
  }
  if (!stats.isFile()) return [];
  const { size, sha256 } = await copyHashed(source, dest);
  await chmod(dest, (stats.mode & 0o7777) | 0o600);
  await utimes(dest, stats.atime, stats.mtime);
  return [{ path: relative, type: "file", size, sha256, ...meta(stats) }];
}
