// Schema 1: check results (raw, per-minute and per-hour), incidents, the key-value state, bookkeeping marks.
// Results are integer-keyed: a series (check, service, host, agent) is a row of `checks`, a failure
// reason a row of `reasons`, so a raw result is a handful of small integers.
import type { Migration } from "./migration.js";

const rollupTable = (name: string): string => `
  CREATE TABLE ${name} (
    check_id INTEGER NOT NULL REFERENCES checks(id),
    at INTEGER NOT NULL,            -- start of the minute or hour, ms since the epoch
    count INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    latency_sum_us INTEGER NOT NULL, -- latency figures cover successful results only
    latency_min_us INTEGER,
    latency_max_us INTEGER,
    histogram BLOB,                 -- see histogram.ts
    PRIMARY KEY (check_id, at)
  ) WITHOUT ROWID;`;

export const initial: Migration = {
  version: 1,
  name: "initial",
  up(db) {
    db.exec(`
      CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        service TEXT NOT NULL,
        host TEXT NOT NULL,   -- '' for a logical service
        agent TEXT NOT NULL,  -- the vantage point that ran it
        UNIQUE (name, service, host, agent)
      );
      CREATE INDEX checks_by_service ON checks (service);
      CREATE TABLE reasons (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
      CREATE TABLE results (
        check_id INTEGER NOT NULL REFERENCES checks(id),
        at INTEGER NOT NULL,          -- ms since the epoch
        ok INTEGER NOT NULL,
        latency_us INTEGER NOT NULL,
        reason_id INTEGER REFERENCES reasons(id),
        message TEXT,                 -- kept for failures only
        PRIMARY KEY (check_id, at)
      ) WITHOUT ROWID;
      ${rollupTable("rollups_minute")}
      ${rollupTable("rollups_hour")}
      CREATE TABLE store_marks (name TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        root_kind TEXT NOT NULL,
        root_name TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER,
        silenced INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX incidents_open ON incidents (resolved_at);
      CREATE TABLE incident_children (
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (incident_id, kind, name)
      ) WITHOUT ROWID;
    `);
  },
};
