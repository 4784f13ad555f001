// Schema 8: incident posts written by a person for the public status pages (src/store/status-posts.ts):
// a post with a title and the public services it concerns, and its updates in order, the last of which
// resolves it.
import type { Migration } from "./migration.js";

export const statusPosts: Migration = {
  version: 8,
  name: "status-posts",
  up(db) {
    db.exec(`
      CREATE TABLE status_posts (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        services TEXT NOT NULL DEFAULT '[]',   -- JSON array of service names; empty: every status page
        created_at INTEGER NOT NULL,           -- ms since the epoch
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER,                   -- NULL while open
        created_by TEXT NOT NULL
      );
      CREATE TABLE status_post_updates (
        id INTEGER PRIMARY KEY,
        post_id INTEGER NOT NULL REFERENCES status_posts (id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('investigating', 'identified', 'monitoring', 'resolved')),
        message TEXT NOT NULL,
        by TEXT NOT NULL
      );
      CREATE INDEX status_post_updates_post ON status_post_updates (post_id, at);
      CREATE INDEX status_posts_resolved ON status_posts (resolved_at);
    `);
  },
};
