// Schema 6: push checks' signals beyond a plain beat (healthchecks.io's semantics, see
// src/probes/push-ping.ts): whether the last end signal was a success or a failure and its body (the
// failure's reason), a start not yet ended, and the last run's duration. Added to the rows of schema 5,
// still keyed by the token's SHA-256. Existing rows' beats were successes.
import type { Migration } from "./migration.js";

export const pushSignals: Migration = {
  version: 6,
  name: "push-signals",
  up(db) {
    db.exec(`
      ALTER TABLE heartbeats ADD COLUMN last_kind TEXT CHECK (last_kind IN ('ok', 'fail'));  -- NULL until a beat
      ALTER TABLE heartbeats ADD COLUMN last_body TEXT;           -- body of the last success or failure, cut to 10,000 characters
      ALTER TABLE heartbeats ADD COLUMN started_at INTEGER;       -- ms since the epoch of a start not yet ended
      ALTER TABLE heartbeats ADD COLUMN last_duration_ms INTEGER; -- the last run's start to end
      UPDATE heartbeats SET last_kind = 'ok' WHERE last_seen_at IS NOT NULL;
    `);
  },
};
