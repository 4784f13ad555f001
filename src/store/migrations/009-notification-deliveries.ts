// Schema 9: each notifier's answer to each incident notification (src/store/deliveries.ts), so the
// incident's timeline says who sent what, to which notifier, and whether it went out.
import type { Migration } from "./migration.js";

export const notificationDeliveries: Migration = {
  version: 9,
  name: "notification-deliveries",
  up(db) {
    db.exec(`
      CREATE TABLE notification_deliveries (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER REFERENCES incidents (id) ON DELETE CASCADE,  -- NULL: no local incident matched
        root TEXT NOT NULL,                -- the incident's root, "kind:name"
        notice TEXT NOT NULL,              -- opened, updated:<why>, reminder:<n>, resolved
        notifier TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retried', 'failed', 'dropped')),
        attempts INTEGER NOT NULL,
        reason TEXT,
        sent_by TEXT NOT NULL,             -- the agent that sent it
        alone INTEGER NOT NULL DEFAULT 0,  -- 1: sent by an agent cut off from the others
        at INTEGER NOT NULL                -- ms since the epoch
      );
      CREATE INDEX notification_deliveries_incident ON notification_deliveries (incident_id, at);
    `);
  },
};
