// Schema 5: heartbeats of push checks. One row per push token: when the agent first knew the token
// (a check is not failed for silence before `period + grace` has passed since then) and when it last
// called in, so a restart neither forgets a beat nor restarts the wait. The token itself may be a
// secret (the push URL's only protection), so the row is keyed by its SHA-256, never the value.
import type { Migration } from "./migration.js";

export const heartbeats: Migration = {
  version: 5,
  name: "heartbeats",
  up(db) {
    db.exec(`
      CREATE TABLE heartbeats (
        token_sha256 TEXT PRIMARY KEY,    -- hex SHA-256 of the resolved token
        first_known_at INTEGER NOT NULL,  -- ms since the epoch: first config of this agent that had the token
        last_seen_at INTEGER              -- ms since the epoch of the latest beat; NULL until one arrives
      ) WITHOUT ROWID;
    `);
  },
};
