// The agent's backup scheduler: each service's `backup.schedule` and `backup.restore_test` (cron, on
// the wall time of `backup.timezone`, see backup-cron.ts) and `replicate.every`, on the injected clock.
//
// A job never overlaps itself: when it is due while its previous run is still going, that run is
// skipped and logged. Every run is recorded in the store (begun, then finished) and counted; a failure
// raises an alert, a success clears it (backup-alerts.ts). A periodic watch compares the newest good
// backup with `max_age` and each replica with the service's `target.rpo`, and picks up a reloaded
// config (the scheduler reads the config through a getter, so a reload needs no call into here).
//
// Timers are capped at a few minutes and re-armed until the wall clock reaches the due time, so a
// daily backup is neither lost nor doubled when the wall clock is stepped while the agent runs.
import type { ConfigDocument } from "../config/schema.js";
import { formatDuration } from "../config/duration.js";
import type { Clock, TimerHandle } from "../engine/clock.js";
import type { Severity } from "../notify/notifier.js";
import { beginBackupRun, closeInterruptedRuns, finishBackupRun, lastGoodRun, type BackupRunKind } from "../store/backup-runs.js";
import type { Store } from "../store/db.js";
import type { BackupAlerts } from "./backup-alerts.js";
import { localTimeZone, parseCronSchedule } from "./backup-cron.js";
import { errorText, type BackupJobs, type JobResult } from "./backup-jobs.js";
import { replicaStatuses, type ReplicaSource } from "./backup-replicas.js";
import type { Logger } from "./log.js";

const MAX_TIMER_MS = 5 * 60_000;
const WATCH_EVERY_MS = 60_000;

type JobKind = "backup" | "replicate" | "restore-test";

interface Job {
  readonly service: string;
  readonly kind: JobKind;
  /** The config it was planned from: a reload that changes it re-plans the job. */
  readonly definition: string;
  readonly nextAfter: (at: number) => number;
  due: number;
  timer?: TimerHandle;
}

export interface BackupSchedulerOptions {
  clock: Clock;
  store: Store;
  config: () => ConfigDocument;
  jobs: BackupJobs;
  alerts: BackupAlerts;
  replicas: ReplicaSource;
  log: Logger;
  /** Beats a push token after a successful backup (false: no push check uses it). */
  beat?: (token: string) => boolean;
  secret?: (ref: string) => Promise<string>;
  /** Heard after every finished run (metrics). */
  onRun?: (run: { service: string; kind: BackupRunKind; ok: boolean; at: number }) => void;
  /** The zone of schedules that name none (default: the host's). */
  timeZone?: string;
  /** The host serving a service now: its replica is not watched against the RPO (it is the source). */
  activeHost?: (service: string) => string | undefined;
}

const severityOf = (criticality: string): Severity => (criticality === "critical" || criticality === "high" ? "high" : "normal");

export class BackupScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<string, Promise<void>>();
  /** Definitions whose schedule could not be read, so the refusal is said once, not every minute. */
  private readonly refused = new Map<string, string>();
  private watchTimer: TimerHandle | undefined;
  private startedAt = 0;
  private stopped = false;

  constructor(private readonly options: BackupSchedulerOptions) {}

  start(): void {
    const interrupted = closeInterruptedRuns(this.options.store, this.options.clock.now());
    if (interrupted > 0) this.options.log.warn({ event: "backup.interrupted", runs: interrupted }, `${interrupted} backup run(s) were interrupted when the agent last stopped`);
    this.startedAt = this.options.clock.now();
    this.plan();
    this.armWatch();
  }

  /** Clears every timer and waits (at most `waitMs`) for runs in progress to finish. */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.watchTimer);
    for (const job of this.jobs.values()) this.options.clock.clearTimeout(job.timer);
    this.jobs.clear();
    if (this.running.size === 0) return;
    let timer: TimerHandle;
    const timeout = new Promise<void>((resolve) => (timer = this.options.clock.setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(this.running.values()), timeout]);
    this.options.clock.clearTimeout(timer);
  }

  /** When each planned job runs next (for status and tests). */
  planned(): Array<{ service: string; kind: JobKind; due: number }> {
    return [...this.jobs.values()].map(({ service, kind, due }) => ({ service, kind, due }));
  }

  /** Resolves once no run is in progress (tests drive real I/O on a fake clock with it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Runs a job now, unless it is running already (then resolves false). */
  async runNow(service: string, kind: JobKind): Promise<boolean> {
    return this.execute(service, kind);
  }

  /** Compares the newest good backup with max_age and each replica with the RPO; alerts accordingly. */
  async checkAges(): Promise<void> {
    const doc = this.options.config();
    const now = this.options.clock.now();
    for (const [service, config] of Object.entries(doc.services)) {
      const maxAge = config.backup?.max_age;
      if (maxAge === undefined) continue;
      const last = lastGoodRun(this.options.store, service, "backup");
      const age = now - (last?.finishedAt ?? this.startedAt);
      const problem = { service, kind: "max-age" as const };
      if (age <= maxAge) this.options.alerts.clear(problem, `${service} has a good backup ${formatDuration(age)} old again (max_age ${formatDuration(maxAge)}).`);
      else {
        const title = last ? `newest good backup of ${service} is ${formatDuration(age)} old, max_age ${formatDuration(maxAge)}` : `no good backup of ${service} in ${formatDuration(age)}, max_age ${formatDuration(maxAge)}`;
        this.options.alerts.raise(problem, title, `${title}. \`understudy backup run ${service}\` takes one now.`, severityOf(config.criticality));
      }
    }
    for (const replica of await replicaStatuses(doc, this.options.replicas, now, this.startedAt, this.options.activeHost)) {
      if (replica.rpoMs === undefined) continue;
      const problem = { service: replica.service, kind: "rpo" as const, host: replica.host };
      const rpo = formatDuration(replica.rpoMs);
      if (!replica.late) this.options.alerts.clear(problem, `replica of ${replica.service} on ${replica.host} is ${formatDuration(replica.ageMs)} old again, within the RPO ${rpo}.`);
      else {
        const title = replica.shipped ? `replica of ${replica.service} on ${replica.host} is ${formatDuration(replica.ageMs)} old, RPO ${rpo}` : `no replica of ${replica.service} on ${replica.host} in ${formatDuration(replica.ageMs)}, RPO ${rpo}`;
        this.options.alerts.raise(problem, title, `${title}. A failover to ${replica.host} now would lose that much data (or be refused).`, severityOf(doc.services[replica.service]?.criticality ?? "normal"));
      }
    }
  }

  private plan(): void {
    const doc = this.options.config();
    const wanted = new Map<string, { service: string; kind: JobKind; definition: string; make: () => (at: number) => number }>();
    for (const [service, config] of Object.entries(doc.services)) {
      const zone = config.backup?.timezone ?? this.options.timeZone ?? localTimeZone();
      const cron = (expression: string) => () => parseCronSchedule(expression, zone).next;
      if (config.backup) {
        const definition = JSON.stringify([config.backup, config.data, doc.backup_targets]);
        wanted.set(`${service}/backup`, { service, kind: "backup", definition, make: cron(config.backup.schedule) });
        if (config.backup.restore_test !== undefined) wanted.set(`${service}/restore-test`, { service, kind: "restore-test", definition, make: cron(config.backup.restore_test) });
      }
      if (config.replicate) {
        const every = config.replicate.every;
        const definition = JSON.stringify([config.replicate, config.data, config.standby, doc.hosts]);
        // The first shipment goes out at once: a restarted agent should not leave the standby stale for a whole period.
        let first = true;
        wanted.set(`${service}/replicate`, { service, kind: "replicate", definition, make: () => (at) => (first ? ((first = false), at) : at + every) });
      }
    }
    for (const [key, job] of this.jobs) {
      if (wanted.get(key)?.definition === job.definition) continue;
      this.options.clock.clearTimeout(job.timer);
      this.jobs.delete(key);
    }
    for (const [key, want] of wanted) {
      if (this.jobs.has(key)) continue;
      let nextAfter: (at: number) => number;
      try {
        nextAfter = want.make();
      } catch (error) {
        if (this.refused.get(key) === want.definition) continue;
        this.refused.set(key, want.definition);
        // A backup that never runs is a failing backup: said as loudly as one.
        const title = `${want.kind} of ${want.service} is not scheduled: ${errorText(error)}`;
        this.options.log.error({ event: "backup.schedule", service: want.service, kind: want.kind, err: error }, title);
        this.options.alerts.raise({ service: want.service, kind: want.kind }, title, `${title}. Fix the cron expression or time zone in the config.`, severityOf(doc.services[want.service]?.criticality ?? "normal"));
        continue;
      }
      this.refused.delete(key);
      const job: Job = { service: want.service, kind: want.kind, definition: want.definition, nextAfter, due: nextAfter(this.options.clock.now()) };
      this.jobs.set(key, job);
      this.arm(job);
      this.options.log.info({ event: "backup.scheduled", service: job.service, kind: job.kind, next: new Date(job.due).toISOString() }, `${job.kind} of ${job.service} scheduled, next at ${new Date(job.due).toISOString()}`);
    }
  }

  private arm(job: Job): void {
    const delay = Math.min(Math.max(0, job.due - this.options.clock.now()), MAX_TIMER_MS);
    job.timer = this.options.clock.setTimeout(() => this.fire(job), delay);
  }

  private fire(job: Job): void {
    if (this.stopped || this.jobs.get(`${job.service}/${job.kind}`) !== job) return;
    const now = this.options.clock.now();
    if (now < job.due) return this.arm(job);
    job.due = job.nextAfter(now);
    this.arm(job);
    void this.execute(job.service, job.kind);
  }

  private armWatch(): void {
    this.watchTimer = this.options.clock.setTimeout(() => {
      if (this.stopped) return;
      this.plan();
      this.checkAges()
        .catch((error: unknown) => this.options.log.error({ event: "backup.watch", err: error }, `checking backup and replica ages failed: ${errorText(error)}`))
        .finally(() => {
          if (!this.stopped) this.armWatch();
        });
    }, WATCH_EVERY_MS);
  }

  private async execute(service: string, kind: JobKind): Promise<boolean> {
    const key = `${service}/${kind}`;
    if (this.running.has(key)) {
      this.options.log.warn({ event: "backup.overrun", service, kind }, `${kind} of ${service} is still running from its last turn; this turn is skipped`);
      return false;
    }
    const run = this.perform(service, kind)
      .catch((error: unknown) => this.options.log.error({ event: "backup.error", service, kind, err: error }, `${kind} of ${service} could not be recorded: ${errorText(error)}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
    await run;
    return true;
  }

  private async perform(service: string, kind: JobKind): Promise<void> {
    const doc = this.options.config();
    const config = doc.services[service];
    if (config === undefined) return;
    const { store, clock } = this.options;
    const guarded = async <T>(work: () => Promise<T>, fallback: (error: unknown) => T): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        return fallback(error);
      }
    };
    if (kind === "replicate") {
      const hosts = this.options.jobs.replicaTargets?.(service, doc) ?? (config.replicate?.to === "standby" ? (config.standby ?? []) : (config.replicate?.to ?? []));
      const ids = new Map(hosts.map((host) => [host, beginBackupRun(store, { service, kind, host, at: clock.now() })]));
      const results = await guarded(() => this.options.jobs.replicate(service, doc), (error) => hosts.map((host): JobResult => ({ ok: false, host, message: errorText(error) })));
      for (const result of results) this.finish(ids.get(result.host ?? "") ?? beginBackupRun(store, { service, kind, host: result.host, at: clock.now() }), service, kind, result, config.criticality);
      return;
    }
    const id = beginBackupRun(store, { service, kind, at: clock.now() });
    const work = kind === "backup" ? () => this.options.jobs.backup(service, doc) : () => this.options.jobs.restoreTest(service, doc);
    const result = await guarded(work, (error): JobResult => ({ ok: false, message: errorText(error) }));
    this.finish(id, service, kind, result, config.criticality);
    if (kind === "backup" && result.ok) {
      await this.beat(service, config.backup?.push);
      await this.checkAges();
    }
  }

  private finish(id: number, service: string, kind: JobKind, result: JobResult, criticality: string): void {
    if (this.options.store.closed) return;
    const at = this.options.clock.now();
    finishBackupRun(this.options.store, id, { at, ...result });
    this.options.onRun?.({ service, kind, ok: result.ok, at });
    const what = kind === "backup" ? `backup of ${service}` : kind === "restore-test" ? `restore test of ${service}` : `replication of ${service} to ${result.host}`;
    const problem = { service, kind, host: kind === "replicate" ? result.host : undefined };
    this.options.log[result.ok ? "info" : "error"]({ event: `backup.${kind}`, service, ok: result.ok, host: result.host, snapshot: result.snapshotId }, `${what}: ${result.ok ? "ok" : "failed"}: ${result.message}`);
    if (result.ok) this.options.alerts.clear(problem, `${what} works again: ${result.message}`);
    else this.options.alerts.raise(problem, `${what} failed: ${result.message}`, `${what} failed: ${result.message}`, severityOf(criticality));
  }

  private async beat(service: string, token: string | undefined): Promise<void> {
    if (token === undefined || this.options.beat === undefined) return;
    try {
      const value = token.includes(":") && this.options.secret ? await this.options.secret(token) : token;
      if (!this.options.beat(value)) this.options.log.warn({ event: "backup.push", service }, `backup of ${service} has push: ${token}, but no push check uses that token; add a check { push: { token: ${token}, period: … } }`);
    } catch (error) {
      this.options.log.error({ event: "backup.push", service, err: error }, `backup of ${service}: cannot read its push token: ${errorText(error)}`);
    }
  }
}
