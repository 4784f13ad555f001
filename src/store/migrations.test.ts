import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS, schemaVersion, type Migration } from "./migrations.js";
import { StoreError } from "./store-error.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-migrations-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: Database.Database): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];

describe("migrations", () => {
  it("are numbered 1, 2, 3… in order", () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
  });

  it("migrate an empty database, then do nothing on re-open", () => {
    const path = join(dir, "a.db");
    const db = new Database(path);
    expect(migrate(db, path)).toBe(MIGRATIONS.length);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(expect.arrayContaining(["checks", "results", "rollups_minute", "rollups_hour", "incidents", "incident_children", "state", "heartbeats"]));
    db.close();
    const again = new Database(path);
    const before = tables(again);
    migrate(again, path);
    expect(tables(again)).toEqual(before);
    again.close();
  });

  it("apply only the new ones, each in its own transaction: a failing one leaves the previous version", () => {
    const path = join(dir, "b.db");
    const applied: string[] = [];
    const one: Migration = { version: 1, name: "one", up: (db) => { applied.push("one"); db.exec("CREATE TABLE a (x)"); } };
    const two: Migration = { version: 2, name: "two", up: (db) => { applied.push("two"); db.exec("CREATE TABLE b (x)"); throw new Error("disk on fire"); } };
    const db = new Database(path);
    migrate(db, path, [one]);
    expect(() => migrate(db, path, [one, two])).toThrow("disk on fire");
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["a"]);
    expect(applied).toEqual(["one", "two"]);
    db.close();
  });

  it("refuse a database from a newer schema with the versions in the message", () => {
    const path = join(dir, "c.db");
    const db = new Database(path);
    migrate(db, path);
    db.pragma("user_version = 99");
    expect(() => migrate(db, path)).toThrow(StoreError);
    expect(() => migrate(db, path)).toThrow(`schema version 99; this build knows up to ${MIGRATIONS.length}`);
    db.close();
  });
});
