// The contract every backup target kind implements (a local folder, SFTP, restic). One file per kind
// under targets/, chosen by the key in `backup_targets`; the conformance suite
// (test/integration/backup-targets.test.ts) runs the same tests against each.
import type { ZodType } from "zod";
import type { Manifest } from "./manifest.js";

/** A complete snapshot as a target lists it: only snapshots whose manifest was written are listed. */
export interface SnapshotInfo {
  id: string;
  service: string;
  host: string;
  created_at: string;
  bytes: number;
}

export interface PutOptions {
  /** Called as bytes are stored (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export interface BackupTarget {
  /** "local /srv/backup", "sftp backup@nas:/backups", "restic /srv/restic": for messages. */
  readonly description: string;
  /** Stores a snapshot folder (manifest.json + data/) written by takeSnapshot; the manifest lands last. */
  put(snapshotDir: string, options?: PutOptions): Promise<void>;
  /** Complete snapshots, oldest first. */
  list(): Promise<SnapshotInfo[]>;
  /** Fetches a snapshot into an empty folder as manifest.json + data/, returning the manifest. */
  get(id: string, toDir: string): Promise<Manifest>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface TargetContext {
  env: NodeJS.ProcessEnv;
}

/** A target kind: its config key, its schema and how to open one. */
export interface TargetKind<Spec = unknown> {
  kind: string;
  schema: ZodType<Spec>;
  open(spec: Spec, context: TargetContext): Promise<BackupTarget>;
}

export function defineTarget<Spec>(kind: TargetKind<Spec>): TargetKind<Spec> {
  return kind;
}

/** Total bytes of a manifest's files: what a target reports without reading the data. */
export function manifestBytes(manifest: Manifest): number {
  return manifest.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
}

export function infoOf(manifest: Manifest): SnapshotInfo {
  return { id: manifest.id, service: manifest.service, host: manifest.host, created_at: manifest.created_at, bytes: manifestBytes(manifest) };
}
