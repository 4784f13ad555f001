// Schema 4: drills. One row per `understudy drill`, written when it is planned and rewritten at every
// state change (the whole record as JSON, with the columns a query needs beside it), so a drill killed
// mid-way leaves a row saying what it had done and what the next start must undo.
import type { Migration } from "./migration.js";

export const drills: Migration = {
  version: 4,
  name: "drills",
  up(db) {
    db.exec(`
      CREATE TABLE drills (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        state TEXT NOT NULL,           -- src/drill/machine.ts: planned … finished, or refused
        outcome TEXT,                  -- NULL until finished
        started_at INTEGER NOT NULL,   -- ms since the epoch
        finished_at INTEGER,
        record TEXT NOT NULL           -- the drill as JSON (timestamps, data check, notes)
      );
      CREATE INDEX drills_by_service ON drills (service, started_at);
      CREATE INDEX drills_unfinished ON drills (state) WHERE finished_at IS NULL;
    `);
  },
};
