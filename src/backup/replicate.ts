// Ships a consistent snapshot to a standby over SSH so its service (stopped, warm) can start from it.
// Every file is uploaded beside its destination under a temporary name and fsynced; only when all of
// them have arrived are they renamed into place (posix-rename, atomic per file), the database and its
// keys one after another. So the standby never sees half a file, and a shipment that breaks off
// leaves the previous replica whole. The replica's age is recorded for the promote step.
import { dirname, join } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { DATA_DIR } from "./manifest.js";
import type { Manifest } from "./manifest.js";
import { placeOf } from "./layout.js";
import { mkdirp, openSftp, posixRename, unlinkRemote, uploadFile } from "./sftp-session.js";
import type { SshEndpoint } from "./ssh-spec.js";
import { recordReplica } from "./replica-state.js";

export interface ReplicateOptions {
  /** A staged snapshot (takeSnapshot's dir) and its manifest. */
  snapshot: { dir: string; manifest: Manifest };
  host: string;
  endpoint: SshEndpoint;
  /** Where the data paths live on the standby; "/" is the same paths as on the primary. */
  root: string;
  /** The agent's data folder, where replica ages are recorded. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

const TEMP_SUFFIX = ".understudy-incoming";

function symlinkRemote(sftp: SFTPWrapper, target: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.symlink(target, path, (error) => (error ? reject(error) : resolve())));
}

export async function replicateSnapshot(options: ReplicateOptions): Promise<{ files: number; bytes: number }> {
  const { manifest, dir } = options.snapshot;
  const session = await openSftp(options.endpoint, options.env);
  const { sftp } = session;
  const staged: Array<{ temp: string; dest: string; sqlite: boolean }> = [];
  const databases = new Set(manifest.sqlite.map((database) => database.path));
  let bytes = 0;
  try {
    for (const entry of manifest.files) {
      const dest = join(options.root, placeOf(manifest, entry.path));
      if (entry.type === "dir") {
        await mkdirp(sftp, dest);
        continue;
      }
      await mkdirp(sftp, dirname(dest));
      const temp = `${dest}${TEMP_SUFFIX}`;
      await unlinkRemote(sftp, temp).catch(() => undefined);
      if (entry.type === "symlink") await symlinkRemote(sftp, entry.target ?? "", temp);
      else await uploadFile(sftp, join(dir, DATA_DIR, entry.path), temp, entry.mode & 0o777, (n) => (bytes += n));
      staged.push({ temp, dest, sqlite: databases.has(entry.path) });
    }
    for (const { temp, dest, sqlite } of staged) {
      // A WAL left by an earlier database would be replayed into the new one: SQLite must be restored exactly.
      if (sqlite) for (const suffix of ["-wal", "-shm", "-journal"]) await unlinkRemote(sftp, `${dest}${suffix}`).catch(() => undefined);
      await posixRename(sftp, temp, dest);
    }
  } catch (error) {
    // The previous replica stays whole: only the temporary files are removed.
    for (const { temp } of staged) await unlinkRemote(sftp, temp).catch(() => undefined);
    throw error;
  } finally {
    session.close();
  }
  await recordReplica(options.dataDir, {
    service: manifest.service, host: options.host, snapshot_id: manifest.id,
    data_time: manifest.created_at, shipped_at: (options.now ?? (() => new Date()))().toISOString(),
  });
  return { files: staged.length, bytes };
}
