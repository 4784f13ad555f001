// Backup problems as notifications: a failed backup, replication or restore test, a newest good backup
// older than max_age, a replica older than the RPO. Each problem has a key (service + kind, and the
// host for a replica), is announced once when it starts, stays quiet while it lasts (the dispatcher's
// reminders aside) and gets one recovery message when it clears. Which problems are open is kept in
// the store's state table, so a restart neither repeats an alert nor forgets to send its recovery.
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Notification, Severity } from "../notify/notifier.js";
import type { Store } from "../store/db.js";
import { deleteState, getState, listState, setState } from "../store/state.js";

/** What is wrong: "backup", "replicate", "restore-test", "max-age", or "rpo" (with a host). */
export type BackupProblemKind = "backup" | "replicate" | "restore-test" | "max-age" | "rpo";

export interface BackupProblem {
  service: string;
  kind: BackupProblemKind;
  host?: string | undefined;
}

interface OpenProblem {
  since: number;
  title: string;
}

const STATE_PREFIX = "backup-alert/";

export const problemKey = (problem: BackupProblem): string =>
  `backup:${problem.service}:${problem.kind}${problem.host !== undefined ? `:${problem.host}` : ""}`;

export class BackupAlerts {
  constructor(
    private readonly store: Store,
    private readonly dispatcher: () => Dispatcher,
    private readonly now: () => number,
  ) {}

  /** Announces a problem unless it is already open; returns whether a notification went out. */
  raise(problem: BackupProblem, title: string, body: string, severity: Severity): boolean {
    const key = problemKey(problem);
    const stateKey = `${STATE_PREFIX}${key}`;
    if (getState(this.store, stateKey) !== undefined) return false;
    const at = this.now();
    setState(this.store, stateKey, { since: at, title } satisfies OpenProblem, at);
    const n: Notification = { key, event: "opened", severity, at, title, body, fields: { service: problem.service, kind: problem.kind, ...(problem.host !== undefined ? { host: problem.host } : {}) } };
    this.dispatcher().openIncident(n);
    return true;
  }

  /** Sends the recovery of an open problem; returns whether one was open. */
  clear(problem: BackupProblem, body: string): boolean {
    const key = problemKey(problem);
    const stateKey = `${STATE_PREFIX}${key}`;
    const open = getState<OpenProblem>(this.store, stateKey);
    if (open === undefined) return false;
    deleteState(this.store, stateKey);
    const at = this.now();
    this.dispatcher().closeIncident(key, {
      key, event: "resolved", severity: "normal", at, title: `Resolved: ${open.value.title}`, body,
      fields: { service: problem.service, kind: problem.kind, open_for_ms: at - open.value.since, ...(problem.host !== undefined ? { host: problem.host } : {}) },
    });
    return true;
  }

  /** The keys of the problems open now ("backup:headscale:backup"…). */
  open(): string[] {
    return [...listState(this.store, STATE_PREFIX).keys()].map((key) => key.slice(STATE_PREFIX.length));
  }
}
