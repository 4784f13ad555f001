import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { knowHeartbeat, readHeartbeat, recordHeartbeat } from "./heartbeats.js";

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
  it("remember the first-known time and the last beat across a re-open", () => {
    expect(readHeartbeat(store, "nightly")).toBeUndefined();
    expect(knowHeartbeat(store, "nightly", 1_000)).toEqual({ firstKnownAt: 1_000, lastSeenAt: undefined });
    // Known again after a restart: the older time stays, so the wait is neither restarted nor shortened.
    expect(knowHeartbeat(store, "nightly", 9_000)).toEqual({ firstKnownAt: 1_000, lastSeenAt: undefined });
    recordHeartbeat(store, "nightly", 5_000);
    store.close();
    store = openStore(join(dir, "understudy.db"));
    expect(readHeartbeat(store, "nightly")).toEqual({ firstKnownAt: 1_000, lastSeenAt: 5_000 });
  });

  it("never move the last beat backwards", () => {
    recordHeartbeat(store, "t", 5_000);
    recordHeartbeat(store, "t", 4_000);
    expect(readHeartbeat(store, "t")).toEqual({ firstKnownAt: 5_000, lastSeenAt: 5_000 });
    recordHeartbeat(store, "t", 6_000);
    expect(readHeartbeat(store, "t")?.lastSeenAt).toBe(6_000);
  });

  it("write no token to the data folder, only its hash", () => {
    const secret = "Zq9-unguessable-token-value";
    knowHeartbeat(store, secret, 1);
    recordHeartbeat(store, secret, 2);
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(secret)).toBe(false);
    expect(readHeartbeat(store, secret)).toEqual({ firstKnownAt: 1, lastSeenAt: 2 });
  });
});
