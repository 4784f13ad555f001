// Backup and replication metrics on the agent's own registry: when each service last had a good
// backup, runs by kind and outcome, and how old each standby's replica is. Timestamps and ages are
// read from the scheduler's sources when /metrics is scraped, so they are right even for a backup
// taken before this agent started; the run counter counts what this agent ran.
import { Counter, Gauge, type Registry } from "prom-client";
import type { BackupRunKind } from "../store/backup-runs.js";

export interface BackupMetricsSource {
  /** The newest good backup of each service with backup: configured (undefined: none yet). */
  lastSuccess(): ReadonlyArray<{ service: string; at: number | undefined }>;
  replicas(): Promise<ReadonlyArray<{ service: string; host: string; ageMs: number }>>;
}

export interface BackupMetrics {
  recordRun(run: { service: string; kind: BackupRunKind; ok: boolean }): void;
}

export function addBackupMetrics(registry: Registry, source: BackupMetricsSource): BackupMetrics {
  new Gauge({
    name: "understudy_backup_last_success_timestamp_seconds", help: "When the newest good backup of the service finished (0: none yet).", labelNames: ["service"], registers: [registry],
    collect() {
      this.reset();
      for (const { service, at } of source.lastSuccess()) this.set({ service }, (at ?? 0) / 1000);
    },
  });
  new Gauge({
    name: "understudy_replica_age_seconds", help: "How old the data on each standby is: what a promotion now would lose.", labelNames: ["service", "host"], registers: [registry],
    async collect() {
      const replicas = await source.replicas();
      this.reset();
      for (const { service, host, ageMs } of replicas) this.set({ service, host }, ageMs / 1000);
    },
  });
  const runs = new Counter({ name: "understudy_backup_runs_total", help: "Backup, replication and restore-test runs, by outcome.", labelNames: ["service", "kind", "ok"], registers: [registry] });
  return {
    recordRun({ service, kind, ok }) {
      runs.inc({ service, kind, ok: String(ok) });
    },
  };
}
