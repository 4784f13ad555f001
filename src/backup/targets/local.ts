// The local target: a folder (a mounted disk, a NAS share) holding one folder per snapshot,
// <path>/<id>/data/… and <path>/<id>/manifest.json. The data is copied and fsynced first, the
// manifest written last and atomically, so a crash leaves a folder without a manifest: never listed.
// The manifest travels as its text, digest and all: a target copies it, never re-writes it, and one
// fetched back is checked (digest, paths) before any of its data is copied.
// A file whose content is already stored in an earlier snapshot (same size and sha256 in its manifest,
// and re-read to be sure the file there still has that content) is hard-linked, not copied: three
// snapshots of an unchanged 200 MB database take 200 MB, not 600. Nothing ever writes into a stored
// file (put creates, remove unlinks, get copies out), so a shared file cannot change under another
// snapshot, and removing one snapshot only drops a link: the others keep their data.
import { cp, link, lstat, mkdir, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { z } from "zod";
import { defineTarget, infoOf } from "../target.js";
import type { BackupTarget, PutOptions, SnapshotInfo } from "../target.js";
import { copyManifest, DATA_DIR, MANIFEST_FILE, parseManifest, readManifest, sha256File } from "../manifest.js";
import { readCheckedManifest } from "../manifest-check.js";
import { lstatInside } from "../data-tree.js";
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
    const total = manifest.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
    let done = 0;
    options.onProgress?.(0, total);
    const earlier = await this.storedContent();
    await mkdir(dest, { recursive: true, mode: 0o700 });
    // Which files are stored already: each candidate is re-read, so a damaged old copy is never shared.
    const linked = new Map<string, string>();
    for (const file of manifest.files) {
      if (file.type !== "file" || file.sha256 === undefined) continue;
      for (const candidate of earlier.get(`${file.size ?? 0}:${file.sha256}`) ?? []) {
        if ((await sha256File(candidate)) !== file.sha256) continue;
        linked.set(file.path, candidate);
        done += file.size ?? 0;
        options.onProgress?.(done, total);
        break;
      }
    }
    const data = join(snapshotDir, DATA_DIR);
    await cp(data, join(dest, DATA_DIR), {
      recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false,
      filter: (source) => !linked.has(relative(data, source).split(sep).join("/")),
    });
    for (const [path, candidate] of linked) {
      try {
        await link(candidate, join(dest, DATA_DIR, path));
      } catch {
        // A share without hard links (FAT, some SMB mounts): the file is copied as before.
        await cp(join(data, path), join(dest, DATA_DIR, path), { preserveTimestamps: true, errorOnExist: true, force: false });
        await fsyncFile(join(dest, DATA_DIR, path));
      }
    }
    for (const file of manifest.files) {
      if (file.type !== "file" || linked.has(file.path)) continue;
      await fsyncFile(join(dest, DATA_DIR, file.path));
      done += file.size ?? 0;
      options.onProgress?.(done, total);
    }
    if (done === 0) options.onProgress?.(0, 0);
    await copyManifest(snapshotDir, dest);
  }

  /**
   * The files of the complete snapshots stored here, by "size:sha256", newest snapshot first: what a
   * new snapshot can link to. A file reached through a symlinked folder, or not a plain file, is skipped.
   */
  private async storedContent(): Promise<Map<string, string[]>> {
    const content = new Map<string, string[]>();
    for (const info of (await this.list()).reverse()) {
      const dir = join(this.root, info.id);
      let manifest: Manifest;
      try {
        manifest = parseManifest(await readFile(join(dir, MANIFEST_FILE), "utf8"), join(dir, MANIFEST_FILE));
      } catch {
        continue; // removed meanwhile, or damaged: nothing to share from it
      }
      for (const file of manifest.files) {
        if (file.type !== "file" || file.sha256 === undefined) continue;
        const found = await lstatInside(join(dir, DATA_DIR), file.path);
        if (!found.ok || !found.stats.isFile() || found.stats.size !== (file.size ?? 0)) continue;
        const key = `${file.size ?? 0}:${file.sha256}`;
        content.set(key, [...(content.get(key) ?? []), join(dir, DATA_DIR, file.path)]);
      }
    }
    return content;
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
