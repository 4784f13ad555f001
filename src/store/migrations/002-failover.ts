// Schema 2: the failover journal. A run is one failover (or failback) of one service; each step is a
// row written *before* it runs (status "started") and updated *after* (done, skipped, failed), so that
// after a crash the agent knows exactly which step was in flight and resumes or rolls back from there.
import type { Migration } from "./migration.js";

export const failoverJournal: Migration = {
  version: 2,
  name: "failover-journal",
  up(db) {
    db.exec(`
      CREATE TABLE failover_runs (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        kind TEXT NOT NULL,            -- failover | failback
        from_host TEXT NOT NULL,
        to_host TEXT NOT NULL,
        reason TEXT NOT NULL,          -- why it started: a verdict, a person, a stable primary
        forced INTEGER NOT NULL,
        token INTEGER NOT NULL,        -- the coordinator's fencing token for this run
        plan TEXT NOT NULL,            -- the plan as JSON, so a resumed run does what was planned
        status TEXT NOT NULL,          -- running | done | failed | rolled-back | fenced
        detected_at INTEGER,           -- when the failure that caused it was confirmed (ms)
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        summary TEXT
      );
      CREATE INDEX failover_runs_by_service ON failover_runs (service, started_at);
      CREATE INDEX failover_runs_unfinished ON failover_runs (status) WHERE status = 'running';
      CREATE TABLE failover_steps (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES failover_runs(id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,          -- started | done | skipped | failed
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        reason TEXT,
        output TEXT
      );
      CREATE INDEX failover_steps_by_run ON failover_steps (run_id, id);
    `);
  },
};
