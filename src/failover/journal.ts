// The failover journal in SQLite (migration 002): a row per run, a row per step attempt written before
// the step runs and completed after it, each write its own committed transaction. After a kill -9 the
// rows say which step was in flight; resume.ts decides from them whether to go on or roll back.
// With etcd coordination the leader also publishes each run to etcd; a new leader `adopt`s those
// records into its own journal (matched by service, start time and hosts, since run ids are per agent).
import type { Store } from "../store/db.js";
import type { Plan, StepName } from "./plan.js";

export type RunStatus = "running" | "done" | "failed" | "rolled-back" | "fenced";
export type StepStatus = "started" | "done" | "skipped" | "failed";

export interface StepRecord {
  step: StepName | "rollback";
  attempt: number;
  status: StepStatus;
  startedAt: number;
  finishedAt: number | undefined;
  reason: string | undefined;
  output: string | undefined;
}

export interface RunRecord {
  id: number;
  service: string;
  kind: Plan["kind"];
  from: string;
  to: string;
  reason: string;
  forced: boolean;
  token: number;
  plan: Plan;
  status: RunStatus;
  detectedAt: number | undefined;
  startedAt: number;
  finishedAt: number | undefined;
  summary: string | undefined;
  steps: StepRecord[];
}

interface RunRow {
  id: number; service: string; kind: string; from_host: string; to_host: string; reason: string; forced: number; token: number;
  plan: string; status: string; detected_at: number | null; started_at: number; finished_at: number | null; summary: string | null;
}
interface StepRow { step: string; attempt: number; status: string; started_at: number; finished_at: number | null; reason: string | null; output: string | null }

/** Outputs are kept for people to read, not as logs: long ones are cut. */
const MAX_OUTPUT = 4_000;
const clip = (text: string | undefined) => (text === undefined ? null : text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}…` : text);

/** What changed in the journal, for live progress (the dashboard's `failover` events). */
export interface JournalChange {
  runId: number;
  service: string;
  step: StepRecord["step"] | undefined;
  /** The step's status, or the run's when `step` is undefined. */
  status: StepStatus | RunStatus;
}

export class FailoverJournal {
  private readonly listeners = new Set<(change: JournalChange) => void>();

  constructor(private readonly store: Store) {}

  /** Hears every write after it is committed; a throwing listener is skipped, never the journal. */
  onChange(listener: (change: JournalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(runId: number, step: StepRecord["step"] | undefined, status: StepStatus | RunStatus): void {
    if (this.listeners.size === 0) return;
    const row = this.store.statement("SELECT service FROM failover_runs WHERE id = ?").get(runId) as { service: string } | undefined;
    if (!row) return;
    for (const listener of [...this.listeners]) {
      try {
        listener({ runId, service: row.service, step, status });
      } catch {
        // Progress is for watching; a failing watcher must not fail a failover.
      }
    }
  }

  begin(plan: Plan, token: number, at: number): number {
    const result = this.store.statement(`INSERT INTO failover_runs (service, kind, from_host, to_host, reason, forced, token, plan, status, detected_at, started_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`).run(plan.service, plan.kind, plan.from, plan.to, plan.reason, plan.forced ? 1 : 0, token, JSON.stringify(plan), plan.detectedAt ?? null, at);
    const id = Number(result.lastInsertRowid);
    this.changed(id, undefined, "running");
    return id;
  }

  /** The "before" entry: returns its id for `stepFinished`. */
  stepStarted(runId: number, step: StepRecord["step"], attempt: number, at: number): number {
    const id = Number(this.store.statement("INSERT INTO failover_steps (run_id, step, attempt, status, started_at) VALUES (?, ?, ?, 'started', ?)").run(runId, step, attempt, at).lastInsertRowid);
    this.changed(runId, step, "started");
    return id;
  }

  /** The "after" entry; `alongside` runs in the same transaction (e.g. moving the active host with the switch). */
  stepFinished(entryId: number, outcome: { status: Exclude<StepStatus, "started">; reason?: string | undefined; output?: string | undefined }, at: number, alongside?: () => void): void {
    this.store.db.transaction(() => {
      this.store.statement("UPDATE failover_steps SET status = ?, finished_at = ?, reason = ?, output = ? WHERE id = ?").run(outcome.status, at, outcome.reason ?? null, clip(outcome.output), entryId);
      alongside?.();
    }).immediate();
    if (this.listeners.size > 0) {
      const row = this.store.statement("SELECT run_id, step FROM failover_steps WHERE id = ?").get(entryId) as { run_id: number; step: StepRecord["step"] } | undefined;
      if (row) this.changed(row.run_id, row.step, outcome.status);
    }
  }

  finish(runId: number, status: Exclude<RunStatus, "running">, summary: string, at: number): void {
    this.store.statement("UPDATE failover_runs SET status = ?, summary = ?, finished_at = ? WHERE id = ?").run(status, summary, at, runId);
    this.changed(runId, undefined, status);
  }

  /** A resumed run continues under a new fencing token (the one it had died with its process). */
  retoken(runId: number, token: number): void {
    this.store.statement("UPDATE failover_runs SET token = ? WHERE id = ?").run(token, runId);
  }

  /**
   * A run as another journal recorded it (etcd's copy, read by a new leader): replaces this journal's
   * copy of the same run (same service, start and hosts) or is added. Returns the run's id here.
   */
  adopt(record: RunRecord): number {
    return this.store.db.transaction(() => {
      const existing = this.store.statement("SELECT id FROM failover_runs WHERE service = ? AND started_at = ? AND from_host = ? AND to_host = ?")
        .get(record.service, record.startedAt, record.from, record.to) as { id: number } | undefined;
      let id: number;
      if (existing) {
        id = existing.id;
        this.store.statement("UPDATE failover_runs SET status = ?, summary = ?, finished_at = ?, token = ? WHERE id = ?").run(record.status, record.summary ?? null, record.finishedAt ?? null, record.token, id);
        this.store.statement("DELETE FROM failover_steps WHERE run_id = ?").run(id);
      } else {
        id = this.begin(record.plan, record.token, record.startedAt);
        this.store.statement("UPDATE failover_runs SET status = ?, summary = ?, finished_at = ?, reason = ?, forced = ? WHERE id = ?")
          .run(record.status, record.summary ?? null, record.finishedAt ?? null, record.reason, record.forced ? 1 : 0, id);
      }
      for (const step of record.steps) {
        this.store.statement("INSERT INTO failover_steps (run_id, step, attempt, status, started_at, finished_at, reason, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
          .run(id, step.step, step.attempt, step.status, step.startedAt, step.finishedAt ?? null, step.reason ?? null, clip(step.output));
      }
      return id;
    }).immediate();
  }

  get(runId: number): RunRecord | undefined {
    const row = this.store.statement("SELECT * FROM failover_runs WHERE id = ?").get(runId) as RunRow | undefined;
    return row ? this.withSteps(row) : undefined;
  }

  /** Runs a crash left behind, oldest first. */
  unfinished(service?: string): RunRecord[] {
    const rows = this.store.statement("SELECT * FROM failover_runs WHERE status = 'running' ORDER BY id").all() as RunRow[];
    return rows.filter((row) => service === undefined || row.service === service).map((row) => this.withSteps(row));
  }

  /** Runs newest first, optionally of one service and since a time. */
  list(options: { service?: string | undefined; since?: number; limit?: number } = {}): RunRecord[] {
    const rows = this.store.statement("SELECT * FROM failover_runs WHERE (@service IS NULL OR service = @service) AND started_at >= @since ORDER BY id DESC LIMIT @limit")
      .all({ service: options.service ?? null, since: options.since ?? 0, limit: options.limit ?? 1_000 }) as RunRow[];
    return rows.map((row) => this.withSteps(row));
  }

  private withSteps(row: RunRow): RunRecord {
    const steps = (this.store.statement("SELECT step, attempt, status, started_at, finished_at, reason, output FROM failover_steps WHERE run_id = ? ORDER BY id").all(row.id) as StepRow[])
      .map((step): StepRecord => ({
        step: step.step as StepRecord["step"], attempt: step.attempt, status: step.status as StepStatus, startedAt: step.started_at,
        finishedAt: step.finished_at ?? undefined, reason: step.reason ?? undefined, output: step.output ?? undefined,
      }));
    return {
      id: row.id, service: row.service, kind: row.kind as Plan["kind"], from: row.from_host, to: row.to_host, reason: row.reason,
      forced: row.forced === 1, token: row.token, plan: JSON.parse(row.plan) as Plan, status: row.status as RunStatus,
      detectedAt: row.detected_at ?? undefined, startedAt: row.started_at, finishedAt: row.finished_at ?? undefined, summary: row.summary ?? undefined, steps,
    };
  }
}

/** The last attempt's record of each step, in plan order. */
export function lastAttempts(run: Pick<RunRecord, "steps">): Map<StepRecord["step"], StepRecord> {
  const last = new Map<StepRecord["step"], StepRecord>();
  for (const record of run.steps) last.set(record.step, record);
  return last;
}
