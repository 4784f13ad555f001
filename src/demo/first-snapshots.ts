// The demo's backups before its agent starts: a few real snapshots of the simulated Headscale's SQLite
// (the agent's own backup job: VACUUM INTO, sha256, integrity_check, stored on the demo's local target),
// with the database growing between them, and a restore test of the newest, each recorded as the agent
// records its scheduled runs. So the Backups page has a history from the first minute; the schedule
// (every 10 minutes) adds to it while the demo runs.
import { createBackupJobs } from "../agent/backup-jobs.js";
import type { ConfigDocument } from "../config/schema.js";
import { beginBackupRun, finishBackupRun, type BackupRunKind } from "../store/backup-runs.js";
import { storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";

export const FIRST_SNAPSHOTS = 3;

/** Takes the snapshots; `touch` makes the service write between them. Throws with the job's message when one fails. */
export async function takeFirstSnapshots(doc: ConfigDocument, dataDir: string, service: string, touch: () => Promise<void>, env: NodeJS.ProcessEnv): Promise<string[]> {
  const jobs = createBackupJobs({ env, dataDir });
  const store = openStore(storePathIn(dataDir));
  const ids: string[] = [];
  const record = async (kind: BackupRunKind, work: () => Promise<{ ok: boolean; message: string; snapshotId?: string | undefined; bytes?: number | undefined }>) => {
    const id = beginBackupRun(store, { service, kind, at: Date.now() });
    const result = await work();
    finishBackupRun(store, id, { at: Date.now(), ...result });
    if (!result.ok) throw new Error(`the demo's first ${kind} of ${service} failed: ${result.message}`);
    return result;
  };
  try {
    for (let n = 0; n < FIRST_SNAPSHOTS; n++) {
      await touch();
      const result = await record("backup", () => jobs.backup(service, doc));
      if (result.snapshotId !== undefined) ids.push(result.snapshotId);
    }
    await record("restore-test", () => jobs.restoreTest(service, doc));
  } finally {
    store.close();
  }
  return ids;
}
