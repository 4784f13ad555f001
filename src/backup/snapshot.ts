// Takes a consistent snapshot of a service's data into a staging folder: each SQLite database copied
// inside one read transaction, each path copied with its metadata, each dump command's stdout
// streamed to a file (argv, never a shell). The manifest is written last, after every copy has been
// integrity-checked: a folder without one is a snapshot that did not finish.
import { spawn } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { copySqlite, integrityCheckOffThread } from "./sqlite-copy.js";
import { copyHashed, copyTree } from "./tree-copy.js";
import { DATA_DIR, sha256File, writeManifest } from "./manifest.js";
import type { Manifest, ManifestEntry, ManifestItem } from "./manifest.js";
import { newSnapshotId } from "./snapshot-id.js";
import { BackupError } from "./errors.js";
import { stepReporter } from "./progress.js";
import type { SnapshotProgressListener } from "./progress.js";

export type DataItem = { sqlite: string } | { path: string } | { command: readonly string[] };

export interface SnapshotRequest {
  service: string;
  data: readonly DataItem[];
  /** A folder the snapshot is created in (as <stagingRoot>/<id>). */
  stagingRoot: string;
  now?: () => Date;
  host?: string;
  /** Hears each step as it starts, advances and ends (a progress display). */
  onProgress?: SnapshotProgressListener | undefined;
}

export interface Snapshot {
  dir: string;
  manifest: Manifest;
}

async function runDump(argv: readonly string[], dest: string): Promise<{ size: number; sha256: string }> {
  const [program, ...args] = argv;
  if (program === undefined) throw new BackupError("source", "a dump command needs at least a program name");
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 2_000) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  try {
    const copied = await copyHashed(child.stdout, dest);
    const code = await exited;
    if (code !== 0) throw new BackupError("source", `the dump command ${argv.join(" ")} exited with ${code}${stderr ? `: ${stderr.trim()}` : ""}`);
    return copied;
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError("source", `the dump command ${argv.join(" ")} could not run: ${(error as Error).message}`, { cause: error });
  }
}

async function stageItem(item: DataItem, index: number, dataDir: string, onProgress: SnapshotProgressListener | undefined): Promise<{ item: ManifestItem; files: ManifestEntry[]; sqlite?: string }> {
  if ("sqlite" in item) {
    const stored = `${index}-sqlite/${basename(item.sqlite)}`;
    await mkdir(join(dataDir, `${index}-sqlite`));
    const dest = join(dataDir, stored);
    const copying = stepReporter(onProgress, { step: "copy", item: item.sqlite });
    const expected = await stat(item.sqlite).then((stats) => stats.size, () => undefined);
    copying.start(expected);
    await copySqlite(item.sqlite, dest, { onBytes: (done, total) => copying.update(done, total) });
    const [source, copy] = await Promise.all([stat(item.sqlite), stat(dest)]);
    copying.end(copy.size);
    const hashing = stepReporter(onProgress, { step: "hash", item: item.sqlite });
    hashing.start(copy.size);
    const sha256 = await sha256File(dest, (done) => hashing.update(done));
    hashing.end(copy.size);
    const file: ManifestEntry = {
      path: stored, type: "file", size: copy.size, sha256,
      mode: source.mode & 0o7777, uid: source.uid, gid: source.gid, mtime_ms: source.mtimeMs,
    };
    return { item: { kind: "sqlite", source: item.sqlite, stored }, files: [file], sqlite: stored };
  }
  if ("path" in item) {
    await mkdir(join(dataDir, `${index}-path`));
    const stored = `${index}-path/${basename(item.path) || "root"}`;
    const copying = stepReporter(onProgress, { step: "copy", item: item.path });
    copying.start();
    try {
      const files = await copyTree(item.path, join(dataDir, stored), stored);
      copying.end(files.reduce((sum, file) => sum + (file.size ?? 0), 0));
      return { item: { kind: "path", source: item.path, stored }, files };
    } catch (error) {
      throw new BackupError("source", `cannot copy ${item.path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const stored = `${index}-command/${basename(item.command[0] ?? "dump")}.out`;
  await mkdir(join(dataDir, `${index}-command`));
  const dumping = stepReporter(onProgress, { step: "dump", item: item.command.join(" ") });
  dumping.start();
  const { size, sha256 } = await runDump(item.command, join(dataDir, stored));
  dumping.end(size);
  const file: ManifestEntry = { path: stored, type: "file", size, sha256, mode: 0o600, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mtime_ms: Date.now() };
  return { item: { kind: "command", source: item.command.join(" "), stored }, files: [file] };
}

export async function takeSnapshot(request: SnapshotRequest): Promise<Snapshot> {
  const at = (request.now ?? (() => new Date()))();
  const id = newSnapshotId(request.service, at);
  const dir = join(request.stagingRoot, id);
  const dataDir = join(dir, DATA_DIR);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const items: ManifestItem[] = [];
  const files: ManifestEntry[] = [];
  const sqlite: Manifest["sqlite"] = [];
  for (const [index, item] of request.data.entries()) {
    const staged = await stageItem(item, index, dataDir, request.onProgress);
    items.push(staged.item);
    files.push(...staged.files);
    if (staged.sqlite !== undefined) {
      const checking = stepReporter(request.onProgress, { step: "check", item: staged.item.source });
      const size = staged.files[0]?.size ?? 0;
      checking.start(size);
      const result = await integrityCheckOffThread(join(dataDir, staged.sqlite));
      checking.end(size);
      if (result !== "ok") throw new BackupError("source", `the copy of ${staged.item.source} fails integrity_check (${result}); the source database may be damaged`);
      sqlite.push({ path: staged.sqlite, integrity_check: result });
    }
  }
  const manifest: Manifest = {
    format: 1, id, service: request.service, host: request.host ?? hostname(), created_at: at.toISOString(), items, files, sqlite,
  };
  await writeManifest(dir, manifest);
  return { dir, manifest };
}
