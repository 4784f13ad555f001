// Schema 3: the agent's backup runs. One row per scheduled backup, replication (one per standby host),
// verify or restore test, written when the run starts (finished_at NULL) and completed when it ends, so
// a run the agent was stopped in the middle of shows as unfinished rather than vanishing.
import type { Migration } from "./migration.js";

export const backupRuns: Migration = {
  version: 3,
  name: "backup-runs",
  up(db) {
    db.exec(`
      CREATE TABLE backup_runs (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        kind TEXT NOT NULL,            -- backup | replicate | verify | restore-test
        host TEXT,                     -- replicate: the standby shipped to
        started_at INTEGER NOT NULL,   -- ms since the epoch
        finished_at INTEGER,           -- NULL while running (or when the agent stopped mid-run)
        ok INTEGER,                    -- NULL while running
        snapshot_id TEXT,
        bytes INTEGER,
        message TEXT
      );
      CREATE INDEX backup_runs_by_service ON backup_runs (service, kind, started_at);
      CREATE INDEX backup_runs_by_time ON backup_runs (started_at);
    `);
  },
};
