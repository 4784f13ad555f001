import Database from "better-sqlite3";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { knowHeartbeat, readHeartbeat, saveHeartbeat } from "./heartbeats.js";
import { migrate, MIGRATIONS } from "./migrations.js";

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-heartbeats-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("heartbeats in the store", () => {
  it("remember the first-known time, the last signal with its body, a pending start and the last duration across a re-open", () => {
    expect(readHeartbeat(store, "nightly")).toBeUndefined();
    expect(knowHeartbeat(store, "nightly", 1_000)).toEqual({ firstKnownAt: 1_000 });
    // Known again after a restart: the older time stays, so the wait is neither restarted nor shortened.
    expect(knowHeartbeat(store, "nightly", 9_000)).toEqual({ firstKnownAt: 1_000 });
    saveHeartbeat(store, "nightly", 1_000, { lastSeenAt: 5_000, lastKind: "fail", lastBody: "rsync: disk full", startedAt: 6_000, lastDurationMs: 400 });
    store.close();
    store = openStore(join(dir, "understudy.db"));
    expect(readHeartbeat(store, "nightly")).toEqual({ firstKnownAt: 1_000, lastSeenAt: 5_000, lastKind: "fail", lastBody: "rsync: disk full", startedAt: 6_000, lastDurationMs: 400 });
    // A later save clears what the state no longer has (the start ended).
    saveHeartbeat(store, "nightly", 1_000, { lastSeenAt: 7_000, lastKind: "ok", lastBody: "" , lastDurationMs: 1_000 });
    expect(readHeartbeat(store, "nightly")).toEqual({ firstKnownAt: 1_000, lastSeenAt: 7_000, lastKind: "ok", lastBody: "", lastDurationMs: 1_000 });
  });

  it("keep a store of schema 5's beats as successes after the migration", () => {
    const path = join(dir, "old.db");
    const db = new Database(path);
    migrate(db, path, MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO heartbeats (token_sha256, first_known_at, last_seen_at) VALUES ('a', 1, 2), ('b', 3, NULL)").run();
    migrate(db, path);
    expect(db.prepare("SELECT token_sha256, last_seen_at, last_kind FROM heartbeats ORDER BY token_sha256").all()).toEqual([
      { token_sha256: "a", last_seen_at: 2, last_kind: "ok" },
      { token_sha256: "b", last_seen_at: null, last_kind: null },
    ]);
    db.close();
  });

  it("write no token to the data folder, only its hash", () => {
    const secret = "Zq9-unguessable-token-value";
    knowHeartbeat(store, secret, 1);
    saveHeartbeat(store, secret, 1, { lastSeenAt: 2, lastKind: "ok", lastBody: "" });
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(secret)).toBe(false);
    expect(readHeartbeat(store, secret)).toEqual({ firstKnownAt: 1, lastSeenAt: 2, lastKind: "ok", lastBody: "" });
  });
});
