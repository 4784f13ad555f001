// A snapshot's manifest: what it holds and how to check it. Every file's size and sha256 and its
// metadata (mode, owner, mtime, symlink target) are recorded here rather than trusted to the target,
// because an SFTP server or a restic restore does not keep owners; restore applies them from here.
// A snapshot is complete exactly when its manifest exists: it is always the last thing written.
// The manifest carries its own digest (sha256 of its content without the digest): an edited or damaged
// manifest is caught, not only an edited file. Manifests from before the digest still parse (digest
// absent); readers say that such a manifest could not be checked. Paths are checked by manifest-check.ts.
// Why a digest and not an HMAC keyed from the agent's data folder: a restore is most needed on a rebuilt
// machine, where that key is gone with the disk it lived on, and every snapshot would then be unverifiable;
// a restic repository is already authenticated by its password. A digest does not stop a forger who
// writes to the target and recomputes it; what stops them is that no manifest can place anything
// outside the restore folder or restore setuid bits unasked (manifest-check.ts, restore.ts).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic-file.js";
import { BackupError } from "./errors.js";

export const MANIFEST_FILE = "manifest.json";
/** Data lives under this folder of a snapshot, the manifest beside it. */
export const DATA_DIR = "data";

const entrySchema = z.object({
  path: z.string(), // relative to the snapshot's data folder, "/"-separated
  type: z.enum(["file", "dir", "symlink"]),
  size: z.number().int().nonnegative().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  target: z.string().optional(),
  mode: z.number().int(), // permission bits only (tree-copy stores `mode & 0o7777`); manifest-check refuses more
  uid: z.number().int(),
  gid: z.number().int(),
  mtime_ms: z.number(),
});

const itemSchema = z.object({
  kind: z.enum(["sqlite", "path", "command"]),
  /** The database or path on the source host, or the command's argv joined by spaces. */
  source: z.string(),
  /** Where the item sits inside data/. */
  stored: z.string(),
});

export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  service: z.string(),
  host: z.string(),
  created_at: z.string(),
  items: z.array(itemSchema),
  files: z.array(entrySchema),
  sqlite: z.array(z.object({ path: z.string(), integrity_check: z.string() })),
  // The file also holds `digest`: "sha256:<hex>" of its JSON without that key (see manifestText). It is an
  // envelope, not content: parsing leaves it out, manifest-check.ts reads and checks it.
});

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestEntry = z.output<typeof entrySchema>;
export type ManifestItem = z.output<typeof itemSchema>;

/** The sha256 of a file's content; `onBytes` hears how much has been read (for a progress display). */
export function sha256File(path: string, onBytes?: (done: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let done = 0;
    createReadStream(path)
      .on("data", (chunk) => {
        hash.update(chunk);
        done += chunk.length;
        onBytes?.(done);
      })
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

export function parseManifest(text: string, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BackupError("corrupt", `${where}: the manifest is not JSON; the snapshot is damaged`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new BackupError("corrupt", `${where}: the manifest does not have the expected shape; the snapshot is damaged`);
  return parsed.data;
}

export async function readManifest(snapshotDir: string): Promise<Manifest> {
  const file = join(snapshotDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BackupError("corrupt", `${snapshotDir} has no readable ${MANIFEST_FILE}: it is not a complete snapshot`, { cause: error });
  }
  return parseManifest(text, file);
}

/** The digest of a manifest's JSON value (as parsed, so formatting does not matter), the digest key left out. */
export function manifestDigest(json: Record<string, unknown>): string {
  const { digest: _digest, ...body } = json;
  return `sha256:${createHash("sha256").update(JSON.stringify(body)).digest("hex")}`;
}

/** The text of a manifest with its digest: what writeManifest stores. */
export function manifestText(manifest: Manifest): string {
  const { digest: _digest, ...body } = manifest as Manifest & { digest?: unknown };
  return `${JSON.stringify({ ...body, digest: manifestDigest(body) }, null, 2)}\n`;
}

/**
 * Written last: until this returns, the snapshot does not exist for anyone who lists or restores. The
 * digest is (re)computed here, so only a freshly taken snapshot should be written this way: a target
 * copies a stored manifest's text as it is (copyManifest), never re-signing what it did not check.
 */
export function writeManifest(snapshotDir: string, manifest: Manifest): Promise<void> {
  return writeFileAtomic(join(snapshotDir, MANIFEST_FILE), manifestText(manifest));
}

/** Copies a manifest's text unchanged (digest and all) from one snapshot folder to another, atomically. */
export async function copyManifest(fromDir: string, toDir: string): Promise<void> {
  await writeFileAtomic(join(toDir, MANIFEST_FILE), await readFile(join(fromDir, MANIFEST_FILE)));
}
