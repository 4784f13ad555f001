// One backup run of one service: a consistent snapshot staged locally, stored on each of its targets,
// the staging folder removed. A target that fails does not stop the others; the result says which.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { takeSnapshot } from "./snapshot.js";
import type { DataItem } from "./snapshot.js";
import type { Manifest } from "./manifest.js";
import type { BackupTarget, PutOptions } from "./target.js";

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
}): Promise<BackupRunResult> {
  const staging = await mkdtemp(join(options.stagingRoot ?? tmpdir(), "understudy-backup-"));
  try {
    const snapshot = await takeSnapshot({ service: options.service, data: options.data, stagingRoot: staging });
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
