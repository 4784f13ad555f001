// What the agent's backup scheduler runs, on top of src/backup: a backup to the service's targets
// followed by pruning per `keep`, a shipment of a fresh snapshot to each standby, and a restore test
// (the newest snapshot on each target restored into a temporary folder, checked against its manifest
// and integrity_check, then removed). Expected failures come back as `ok: false` with the reason a
// person acts on; the scheduler turns anything thrown into the same.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { closeTargets, openTargets, type NamedTarget, type TargetEntries } from "../backup/catalog.js";
import type { KeepPolicy } from "../backup/config.js";
import { replicateSnapshot } from "../backup/replicate.js";
import { restoreSnapshot } from "../backup/restore.js";
import { applyRetention } from "../backup/retention.js";
import { runBackup } from "../backup/run.js";
import { takeSnapshot } from "../backup/snapshot.js";
import { sshEndpointSchema } from "../backup/ssh-spec.js";
import { manifestBytes } from "../backup/target.js";
import type { ConfigDocument } from "../config/schema.js";

export interface JobResult {
  ok: boolean;
  message: string;
  snapshotId?: string | undefined;
  bytes?: number | undefined;
  /** The standby of one shipment. */
  host?: string | undefined;
}

export interface BackupJobs {
  backup(service: string, doc: ConfigDocument): Promise<JobResult>;
  /** One result per standby host. */
  replicate(service: string, doc: ConfigDocument): Promise<JobResult[]>;
  restoreTest(service: string, doc: ConfigDocument): Promise<JobResult>;
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function withTargets<T>(doc: ConfigDocument, env: NodeJS.ProcessEnv, names: readonly string[], use: (targets: NamedTarget[]) => Promise<T>): Promise<T> {
  const targets = await openTargets(doc.backup_targets as TargetEntries, env, names);
  try {
    return await use(targets);
  } finally {
    await closeTargets(targets);
  }
}

/** Removes what `keep` no longer keeps of one service's snapshots on one target; returns how many. */
async function prune({ target }: NamedTarget, service: string, keep: KeepPolicy): Promise<number> {
  const snapshots = (await target.list()).filter((info) => info.service === service);
  const { remove } = applyRetention(snapshots, keep);
  for (const snapshot of remove) await target.remove(snapshot.id);
  return remove.length;
}

export function createBackupJobs(options: { env: NodeJS.ProcessEnv; dataDir: string }): BackupJobs {
  const staging = join(options.dataDir, "staging");
  const stagingRoot = async () => {
    await mkdir(staging, { recursive: true, mode: 0o700 });
    return staging;
  };

  return {
    async backup(service, doc) {
      const config = doc.services[service]!;
      const backup = config.backup!;
      return withTargets(doc, options.env, backup.to, async (targets) => {
        const result = await runBackup({ service, data: config.data, targets, stagingRoot: await stagingRoot() });
        const bytes = manifestBytes(result.manifest);
        const failed = result.stored.flatMap((stored) => (stored.ok ? [] : [`${stored.target}: ${stored.error.message}`]));
        const notes: string[] = [];
        // Pruning runs on the targets that took the new snapshot, never where it is missing.
        for (const named of targets) {
          if (!result.stored.some((stored) => stored.ok && stored.target === named.name)) continue;
          try {
            const removed = await prune(named, service, backup.keep);
            if (removed > 0) notes.push(`pruned ${removed} on ${named.name}`);
          } catch (error) {
            notes.push(`pruning ${named.name} failed: ${errorText(error)}`);
          }
        }
        const stored = result.stored.filter((s) => s.ok).map((s) => s.target);
        const message = failed.length > 0
          ? failed.join("; ")
          : `${result.manifest.id} stored on ${stored.join(", ")} (${megabytes(bytes)})${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`;
        return { ok: failed.length === 0, message, snapshotId: result.manifest.id, bytes };
      });
    },

    async replicate(service, doc) {
      const config = doc.services[service]!;
      const replicate = config.replicate!;
      const hosts = replicate.to === "standby" ? (config.standby ?? []) : replicate.to;
      const scratch = await mkdtemp(join(await stagingRoot(), "replicate-"));
      try {
        const snapshot = await takeSnapshot({ service, data: config.data, stagingRoot: scratch });
        const results: JobResult[] = [];
        for (const host of hosts) {
          const entry = doc.hosts[host]!;
          try {
            const endpoint = sshEndpointSchema.parse({ host: entry.address, port: entry.ssh?.port, user: entry.ssh?.user, private_key: entry.ssh?.private_key, host_key: entry.ssh?.host_key });
            const shipped = await replicateSnapshot({ snapshot, host, endpoint, root: replicate.root, dataDir: options.dataDir, env: options.env });
            results.push({ ok: true, host, snapshotId: snapshot.manifest.id, bytes: shipped.bytes, message: `${snapshot.manifest.id} shipped to ${host} (${shipped.files} files, ${megabytes(shipped.bytes)})` });
          } catch (error) {
            results.push({ ok: false, host, snapshotId: snapshot.manifest.id, message: errorText(error) });
          }
        }
        return results;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },

    async restoreTest(service, doc) {
      const backup = doc.services[service]!.backup!;
      return withTargets(doc, options.env, backup.to, async (targets) => {
        const passed: string[] = [];
        const problems: string[] = [];
        let tested: string | undefined;
        for (const { name, target } of targets) {
          const newest = (await target.list()).filter((info) => info.service === service).at(-1);
          if (newest === undefined) {
            problems.push(`${name}: no complete snapshot to restore`);
            continue;
          }
          tested = newest.id;
          const scratch = await mkdtemp(join(await stagingRoot(), "restore-test-"));
          try {
            const restored = await restoreSnapshot({ target, id: newest.id, to: join(scratch, "root"), verify: true });
            if (restored.verify && !restored.verify.ok) problems.push(`${name}: ${newest.id} restored but ${restored.verify.problems.slice(0, 3).join("; ")}`);
            else passed.push(`${newest.id} from ${name}`);
          } catch (error) {
            problems.push(`${name}: ${errorText(error)}`);
          } finally {
            await rm(scratch, { recursive: true, force: true });
          }
        }
        if (problems.length > 0) return { ok: false, snapshotId: tested, message: problems.join("; ") };
        return { ok: true, snapshotId: tested, message: `restored ${passed.join(", ")}: every file matches its manifest, every SQLite copy passes integrity_check` };
      });
    },
  };
}
