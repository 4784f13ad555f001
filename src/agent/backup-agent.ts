// The agent's backups, wired: the scheduler with the real jobs (src/backup), alerts through the
// agent's current dispatcher, the metrics on its registry, push beats into its push receiver. What
// agent.ts calls to start them, and stops on its disposer stack.
//
// With several agents only the leader backs up (`acting`): a follower's scheduler is given the config
// without its services' backup/replicate blocks, so it plans no job and watches no backup age; the
// scheduler re-reads the config every minute, so a new leader starts the schedule within a minute and a
// demoted one plans nothing new (a run in progress finishes). Said once per change in the log.
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
  /** Whether this agent may act (the leader); default always. */
  acting?: () => boolean;
  /** The host serving a service now (the failover controller's activeHost); default its primary. */
  activeHost?: (service: string) => string | undefined;
  /** Whether a host may receive a replica now (the lifecycle's instance states); default: not the active host. */
  mayReceive?: (service: string, host: string) => boolean;
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
    replicas: async () => (await replicaStatuses(config(), replicas, clock.now(), startedAt, options.activeHost)).filter((replica) => replica.shipped),
  });
  let wasActing: boolean | undefined;
  const scheduled = (): ConfigDocument => {
    const acting = options.acting?.() ?? true;
    if (acting !== wasActing) {
      if (wasActing !== undefined || !acting) options.log.info({ event: "backup.leadership", acting }, acting ? "this agent leads: scheduled backups and replication run here" : "not the leader: scheduled backups and replication are left to the leader");
      wasActing = acting;
    }
    if (acting) return config();
    const doc = config();
    const services = Object.fromEntries(Object.entries(doc.services).map(([name, service]) => [name, { ...service, backup: undefined, replicate: undefined }]));
    return { ...doc, services } as ConfigDocument;
  };
  const scheduler = new BackupScheduler({
    clock, store, config: scheduled, alerts, replicas,
    jobs: options.jobs ?? createBackupJobs({ env: options.env as NodeJS.ProcessEnv, dataDir: options.dataDir, activeHost: options.activeHost, mayReceive: options.mayReceive }),
    ...(options.activeHost ? { activeHost: options.activeHost } : {}),
    log: options.log,
    beat: options.beat,
    secret: options.secret,
    onRun: (run) => metrics.recordRun(run),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
  });
  scheduler.start();
  return { scheduler, alerts, stop: () => scheduler.stop() };
}
