// The agent's record of backup runs (schema 3): what `understudy backup list`, the dashboard and the
// backup alerts read. A run is begun (a row with no end) and then finished, so a crash mid-run leaves
// an unfinished row that the next start closes as interrupted.
import type { Store } from "./db.js";

export const BACKUP_RUN_KINDS = ["backup", "replicate", "verify", "restore-test"] as const;
export type BackupRunKind = (typeof BACKUP_RUN_KINDS)[number];

export interface BackupRun {
  id: number;
  service: string;
  kind: BackupRunKind;
  /** The standby of a replicate run. */
  host: string | undefined;
  startedAt: number;
  /** Undefined while running, or when the agent stopped during the run. */
  finishedAt: number | undefined;
  ok: boolean | undefined;
  snapshotId: string | undefined;
  bytes: number | undefined;
  message: string | undefined;
}

export interface RunOutcome {
  at: number;
  ok: boolean;
  snapshotId?: string | undefined;
  bytes?: number | undefined;
  message?: string | undefined;
}

interface Row {
  id: number;
  service: string;
  kind: string;
  host: string | null;
  started_at: number;
  finished_at: number | null;
  ok: number | null;
  snapshot_id: string | null;
  bytes: number | null;
  message: string | null;
}

const fromRow = (row: Row): BackupRun => ({
  id: row.id,
  service: row.service,
  kind: row.kind as BackupRunKind,
  host: row.host ?? undefined,
  startedAt: row.started_at,
  finishedAt: row.finished_at ?? undefined,
  ok: row.ok === null ? undefined : row.ok === 1,
  snapshotId: row.snapshot_id ?? undefined,
  bytes: row.bytes ?? undefined,
  message: row.message ?? undefined,
});

/** Records that a run started; returns its id for finishBackupRun. */
export function beginBackupRun(store: Store, run: { service: string; kind: BackupRunKind; host?: string | undefined; at: number }): number {
  const info = store.statement("INSERT INTO backup_runs (service, kind, host, started_at) VALUES (?, ?, ?, ?)").run(run.service, run.kind, run.host ?? null, run.at);
  return Number(info.lastInsertRowid);
}

export function finishBackupRun(store: Store, id: number, outcome: RunOutcome): void {
  store
    .statement("UPDATE backup_runs SET finished_at = ?, ok = ?, snapshot_id = ?, bytes = ?, message = ? WHERE id = ?")
    .run(outcome.at, outcome.ok ? 1 : 0, outcome.snapshotId ?? null, outcome.bytes ?? null, outcome.message ?? null, id);
}

/** Closes runs left unfinished by an agent that stopped mid-run; returns how many. */
export function closeInterruptedRuns(store: Store, at: number): number {
  return store.statement("UPDATE backup_runs SET finished_at = ?, ok = 0, message = 'interrupted: the agent stopped during the run' WHERE finished_at IS NULL").run(at).changes;
}

/** Runs, oldest first; `since` (ms) keeps runs started at or after it. */
export function listBackupRuns(store: Store, filter: { service?: string | undefined; kind?: BackupRunKind | undefined; since?: number | undefined; limit?: number | undefined } = {}): BackupRun[] {
  const conditions: Array<[string, string | number | undefined]> = [["service = ?", filter.service], ["kind = ?", filter.kind], ["started_at >= ?", filter.since]];
  const given = conditions.filter(([, value]) => value !== undefined);
  const where = given.map(([sql]) => sql);
  const args = given.map(([, value]) => value!);
  const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  // The newest `limit` runs, returned oldest first.
  const sql = `SELECT * FROM (SELECT * FROM backup_runs ${clause} ORDER BY started_at DESC, id DESC${filter.limit !== undefined ? " LIMIT ?" : ""}) ORDER BY started_at, id`;
  if (filter.limit !== undefined) args.push(filter.limit);
  return (store.db.prepare(sql).all(...args) as Row[]).map(fromRow);
}

/** The newest successful run of a kind for a service (for max_age and the last-success metric). */
export function lastGoodRun(store: Store, service: string, kind: BackupRunKind): BackupRun | undefined {
  const row = store.statement("SELECT * FROM backup_runs WHERE service = ? AND kind = ? AND ok = 1 ORDER BY finished_at DESC, id DESC LIMIT 1").get(service, kind) as Row | undefined;
  return row ? fromRow(row) : undefined;
}
