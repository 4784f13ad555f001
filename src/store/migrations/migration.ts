// The shape of one schema migration (kept apart from the list so migration files need not import it back).
import type Database from "better-sqlite3";

export interface Migration {
  /** 1, 2, 3…: applied in order; the store's user_version is the last one applied. */
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}
