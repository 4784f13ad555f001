// Numbered schema migrations, each applied in its own transaction and recorded in PRAGMA user_version,
// so a re-open is a no-op and a crash mid-migration leaves the previous version intact.
import type Database from "better-sqlite3";
import { StoreError } from "./store-error.js";
import type { Migration } from "./migrations/migration.js";
import { initial } from "./migrations/001-initial.js";
import { failoverJournal } from "./migrations/002-failover.js";
import { backupRuns } from "./migrations/003-backup-runs.js";
import { drills } from "./migrations/004-drills.js";
import { heartbeats } from "./migrations/005-heartbeats.js";
import { pushSignals } from "./migrations/006-push-signals.js";
import { secondFactor } from "./migrations/007-second-factor.js";
import { statusPosts } from "./migrations/008-status-posts.js";
import { notificationDeliveries } from "./migrations/009-notification-deliveries.js";

export type { Migration };

/** Every migration this build knows, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [initial, failoverJournal, backupRuns, drills, heartbeats, pushSignals, secondFactor, statusPosts, notificationDeliveries];

/** Marks the file as ours, so another program's SQLite file is refused rather than migrated. */
export const APPLICATION_ID = 0x55445354; // "UDST"

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Brings the store up to the last migration; refuses a store from a newer build or another program. */
export function migrate(db: Database.Database, where: string, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`bug: migration ${migration.name} is numbered ${migration.version}, expected ${index + 1}`);
  });
  const known = migrations.length;
  const current = schemaVersion(db);
  const applicationId = db.pragma("application_id", { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n;
  if (applicationId !== APPLICATION_ID && (applicationId !== 0 || current !== 0 || tables > 0)) {
    throw new StoreError("This SQLite file belongs to another program, not Understudy", where, "Point agents.data_dir at a directory of its own.");
  }
  if (current > known) {
    throw new StoreError(
      `The state store was written by a newer Understudy (schema version ${current}; this build knows up to ${known})`,
      where,
      "Upgrade Understudy to the version that wrote it, or restore a backup of the store taken before the upgrade.",
    );
  }
  for (const migration of migrations.slice(current)) {
    // IMMEDIATE takes the write lock first, so two processes opening a fresh store cannot both migrate.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return known;
}
