// The local target: a folder (a mounted disk, a NAS share) holding one folder per snapshot,
// <path>/<id>/data/… and <path>/<id>/manifest.json. The data is copied and fsynced first, the
// manifest written last and atomically, so a crash leaves a folder without a manifest: never listed.
// The manifest travels as its text, digest and all: a target copies it, never re-writes it, and one
// fetched back is checked (digest, paths) before any of its data is copied.
import { cp, lstat, mkdir, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineTarget, infoOf } from "../target.js";
import type { BackupTarget, PutOptions, SnapshotInfo } from "../target.js";
import { copyManifest, DATA_DIR, MANIFEST_FILE, parseManifest, readManifest } from "../manifest.js";
import { readCheckedManifest } from "../manifest-check.js";
import type { Manifest } from "../manifest.js";
import { fsyncDir } from "../../fs/atomic-file.js";
import { BackupError } from "../errors.js";
import { isSnapshotId } from "../snapshot-id.js";

export const localTargetSchema = z
  .strictObject({ path: z.string().min(1).describe("The folder that holds the snapshots (created if missing).") })
  .describe("A local folder: a mounted disk or share.");

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class LocalTarget implements BackupTarget {
  readonly description: string;
  constructor(private readonly root: string) {
    this.description = `local ${root}`;
  }

  async put(snapshotDir: string, options: PutOptions = {}): Promise<void> {
    const manifest = await readManifest(snapshotDir);
    const dest = join(this.root, manifest.id);
    await mkdir(dest, { recursive: true, mode: 0o700 });
    await cp(join(snapshotDir, DATA_DIR), join(dest, DATA_DIR), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    const total = manifest.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
    let done = 0;
    for (const file of manifest.files) {
      if (file.type !== "file") continue;
      await fsyncFile(join(dest, DATA_DIR, file.path));
      done += file.size ?? 0;
      options.onProgress?.(done, total);
    }
    await copyManifest(snapshotDir, dest);
  }

  async list(): Promise<SnapshotInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new BackupError("unreachable", `cannot read ${this.root}: ${(error as Error).message}`, { cause: error });
    }
    const infos: SnapshotInfo[] = [];
    for (const name of names.filter(isSnapshotId)) {
      let text: string;
      try {
        text = await readFile(join(this.root, name, MANIFEST_FILE), "utf8");
      } catch {
        continue; // no manifest: a snapshot that never finished
      }
      infos.push(infoOf(parseManifest(text, join(this.root, name, MANIFEST_FILE))));
    }
    return infos.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  async get(id: string, toDir: string): Promise<Manifest> {
    const source = join(this.root, id);
    try {
      await stat(join(source, MANIFEST_FILE));
    } catch {
      throw new BackupError("not_found", `no complete snapshot ${id} in ${this.description}`);
    }
    const { manifest } = await readCheckedManifest(source);
    // A data folder that is itself a symlink would be copied from wherever it points.
    if (!(await lstat(join(source, DATA_DIR)).then((stats) => stats.isDirectory(), () => false))) {
      throw new BackupError("corrupt", `${this.description}/${id}: ${DATA_DIR} is not a folder; the snapshot is damaged`);
    }
    await cp(join(source, DATA_DIR), join(toDir, DATA_DIR), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await copyManifest(source, toDir);
    return manifest;
  }

  async remove(id: string): Promise<void> {
    if (!isSnapshotId(id)) throw new BackupError("not_found", `"${id}" is not a snapshot id`);
    const dir = join(this.root, id);
    // The manifest goes first: a removal cut short leaves an incomplete snapshot, never a wrong one.
    await rm(join(dir, MANIFEST_FILE), { force: true });
    await fsyncDir(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}

export const localTarget = defineTarget({
  kind: "local",
  schema: localTargetSchema,
  async open(spec) {
    return new LocalTarget(spec.path);
  },
});
