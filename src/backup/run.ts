// One backup run of one service: a consistent snapshot staged locally, stored on each of its targets,
// the staging folder removed. A target that fails does not stop the others; the result says which.
// With `source`, the snapshot is taken on the host the data lives on (host-snapshot.ts: locally or over
// SSH) and pulled here; without it, the agent's own disk is read (takeSnapshot).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostAccess } from "../hosts/host-access.js";
import { snapshotOnHost } from "./host-snapshot.js";
import { takeSnapshot } from "./snapshot.js";
import type { DataItem } from "./snapshot.js";
import type { Manifest } from "./manifest.js";
import type { BackupTarget, PutOptions } from "./target.js";
import type { SnapshotProgressListener } from "./progress.js";

export interface BackupRunResult {
  manifest: Manifest;
  stored: Array<{ target: string; ok: true } | { target: string; ok: false; error: Error }>;
}

export async function runBackup(options: {
  service: string;
  data: readonly DataItem[];
  targets: ReadonlyArray<{ name: string; target: BackupTarget }>;
  stagingRoot?: string;
  onProgress?: (target: string) => PutOptions["onProgress"];
  /** Hears the snapshot's steps (copying, checking, hashing, pulling) before anything is stored. */
  onSnapshotProgress?: SnapshotProgressListener | undefined;
  /** The host the data lives on and where its paths are there ("/" on the primary). */
  source?: { access: HostAccess; root: string } | undefined;
}): Promise<BackupRunResult> {
  const staging = await mkdtemp(join(options.stagingRoot ?? tmpdir(), "understudy-backup-"));
  try {
    const { service, data, source } = options;
    const snapshot = source && (source.access.kind !== "local" || source.root !== "/")
      ? await snapshotOnHost({ service, data, access: source.access, root: source.root, into: join(staging, "snapshot"), hash: true, onProgress: options.onSnapshotProgress })
      : await takeSnapshot({ service, data, stagingRoot: staging, ...(source ? { host: source.access.host } : {}), onProgress: options.onSnapshotProgress });
    const stored: BackupRunResult["stored"] = [];
    for (const { name, target } of options.targets) {
      try {
        await target.put(snapshot.dir, { onProgress: options.onProgress?.(name) });
        stored.push({ target: name, ok: true });
      } catch (error) {
        stored.push({ target: name, ok: false, error: error as Error });
      }
    }
    return { manifest: snapshot.manifest, stored };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
