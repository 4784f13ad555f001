// What the agent's backup scheduler runs, on top of src/backup: a backup to the service's targets
// followed by pruning per `keep`, a replication cycle (src/backup/replication.ts: a snapshot on the
// host serving the service now, shipped to the other hosts that may receive it), and a restore test
// (the newest snapshot on each target restored into a temporary folder, checked against its manifest
// and integrity_check, then removed). Expected failures come back as `ok: false` with the reason a
// person acts on; the scheduler turns anything thrown into the same. Backups and replication read
// the data where it lives: on the active host (injected `activeHost`, else the service's primary, else
// its only host), reached through src/hosts (locally or over SSH).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { closeTargets, openTargets, type NamedTarget, type TargetEntries } from "../backup/catalog.js";
import type { KeepPolicy } from "../backup/config.js";
import { hostTempDirOf, replicateService, replicationPlan, rootOf, sourceHostOf } from "../backup/replication.js";
import { restoreSnapshot } from "../backup/restore.js";
import { applyRetention } from "../backup/retention.js";
import { runBackup } from "../backup/run.js";
import { manifestBytes } from "../backup/target.js";
import type { ConfigDocument } from "../config/schema.js";
import { isHostFailure } from "../hosts/host-access.js";
import { HostAccessPool } from "../hosts/host-for.js";

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
  /** One result per host shipped to (every data host but the active one that may receive). */
  replicate(service: string, doc: ConfigDocument): Promise<JobResult[]>;
  /** The hosts the next replication of `service` ships to (for the run records). */
  replicaTargets?(service: string, doc: ConfigDocument): string[];
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

export interface BackupJobsOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The host serving a service now (the failover controller's); undefined: its primary. */
  activeHost?: ((service: string) => string | undefined) | undefined;
  /** Whether a host may receive a replica now (the lifecycle's instance states); default: not the active host. */
  mayReceive?: ((service: string, host: string) => boolean) | undefined;
  /** This agent's host name (see src/hosts/host-for.ts); default the config's agents.name. */
  self?: string | undefined;
  connectTimeoutMs?: number | undefined;
}


export function createBackupJobs(options: BackupJobsOptions): BackupJobs {
  const staging = join(options.dataDir, "staging");
  const pool = (doc: ConfigDocument) => new HostAccessPool(doc, { env: options.env, self: options.self, connectTimeoutMs: options.connectTimeoutMs, scratchDir: staging });
  const stagingRoot = async () => {
    await mkdir(staging, { recursive: true, mode: 0o700 });
    return staging;
  };

  return {
    async backup(service, doc) {
      const config = doc.services[service]!;
      const backup = config.backup!;
      const hostName = sourceHostOf(doc, service, options.activeHost);
      const hosts = pool(doc);
      const access = hostName === undefined ? undefined : hosts.get(hostName);
      if (access !== undefined && isHostFailure(access)) return { ok: false, message: `cannot read the data of ${service} on ${hostName}: ${access.message}` };
      return withTargets(doc, options.env, backup.to, async (targets) => {
        const source = access && hostName !== undefined ? { access, root: rootOf(doc, service, hostName) } : undefined;
        const result = await runBackup({ service, data: config.data, targets, stagingRoot: await stagingRoot(), source });
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
      }).finally(() => hosts.close());
    },

    replicaTargets(service, doc) {
      return replicationPlan(doc, service, sourceHostOf(doc, service, options.activeHost), options.mayReceive).targets;
    },

    async replicate(service, doc) {
      await stagingRoot();
      const hosts = pool(doc);
      try {
        const results = await replicateService(service, {
          doc, dataDir: options.dataDir, hosts: (host) => hosts.get(host),
          activeHost: (name) => sourceHostOf(doc, name, options.activeHost), mayReceive: options.mayReceive, hostTempDir: hostTempDirOf(options.env),
        });
        return results.map((result): JobResult => result.ok
          ? { ok: true, host: result.host, snapshotId: result.snapshotId, bytes: result.wireBytes, message: `${result.snapshotId} shipped from ${result.source} to ${result.host} (${result.files} files, ${megabytes(result.wireBytes)} sent)` }
          : { ok: false, host: result.host, snapshotId: result.snapshotId, message: result.message });
      } finally {
        await hosts.close();
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
