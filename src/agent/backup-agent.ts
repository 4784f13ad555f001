// The agent's backups, wired: the scheduler with the real jobs (src/backup), alerts through the
// agent's current dispatcher, the metrics on its registry, push beats into its push receiver. What
// agent.ts calls to start them, and stops on its disposer stack.
import type { Registry } from "prom-client";
import type { ConfigDocument } from "../config/schema.js";
import type { Clock } from "../engine/clock.js";
import type { Dispatcher } from "../notify/dispatcher.js";
import { lastGoodRun } from "../store/backup-runs.js";
import type { Store } from "../store/db.js";
import { BackupAlerts } from "./backup-alerts.js";
import { createBackupJobs, type BackupJobs } from "./backup-jobs.js";
import { addBackupMetrics } from "./backup-metrics.js";
import { fileReplicaSource, replicaStatuses, type ReplicaSource } from "./backup-replicas.js";
import { BackupScheduler } from "./backup-scheduler.js";
import type { Logger } from "./log.js";

export interface AgentBackupsOptions {
  clock: Clock;
  store: Store;
  config: () => ConfigDocument;
  dispatcher: () => Dispatcher;
  registry: Registry;
  dataDir: string;
  env: Readonly<Record<string, string | undefined>>;
  secret: (ref: string) => Promise<string>;
  beat: (token: string) => boolean;
  log: Logger;
  /** Stand-ins for tests. */
  jobs?: BackupJobs;
  replicas?: ReplicaSource;
  timeZone?: string;
}

export interface AgentBackups {
  readonly scheduler: BackupScheduler;
  readonly alerts: BackupAlerts;
  stop(): Promise<void>;
}

export function startAgentBackups(options: AgentBackupsOptions): AgentBackups {
  const { clock, store, config } = options;
  const replicas = options.replicas ?? fileReplicaSource(options.dataDir);
  const alerts = new BackupAlerts(store, options.dispatcher, () => clock.now());
  const startedAt = clock.now();
  const metrics = addBackupMetrics(options.registry, {
    lastSuccess: () => Object.entries(config().services).filter(([, service]) => service.backup !== undefined)
      .map(([service]) => ({ service, at: store.closed ? undefined : lastGoodRun(store, service, "backup")?.finishedAt })),
    replicas: async () => (await replicaStatuses(config(), replicas, clock.now(), startedAt)).filter((replica) => replica.shipped),
  });
  const scheduler = new BackupScheduler({
    clock, store, config, alerts, replicas,
    jobs: options.jobs ?? createBackupJobs({ env: options.env as NodeJS.ProcessEnv, dataDir: options.dataDir }),
    log: options.log,
    beat: options.beat,
    secret: options.secret,
    onRun: (run) => metrics.recordRun(run),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
  });
  scheduler.start();
  return { scheduler, alerts, stop: () => scheduler.stop() };
}
