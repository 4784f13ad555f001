import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deltaSince, genId, nextState, pagesSince, readCacheState, usableFrom, writeCacheState } from "./page-log.js";
import type { CacheState } from "./page-log.js";
import { parseWal } from "./wal.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-page-log-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const start: CacheState = { lineage: "abc123", gen: 0, pages: {} };

describe("generations of the replication cache", () => {
  it("knows the pages changed since a generation only while every step since is known", () => {
    const one = nextState(start, null, undefined); // a full pull: not known
    const two = nextState(one, [1, 5, 9], undefined);
    const three = nextState(two, [1, 5, 40], undefined);
    expect(genId(three)).toBe("abc123.3");
    expect(pagesSince(three, "abc123.2")).toEqual([1, 5, 40]);
    expect(pagesSince(three, "abc123.1")).toEqual([1, 5, 9, 40]);
    expect(pagesSince(three, "abc123.3")).toEqual([]);
    expect(pagesSince(three, "abc123.0")).toBeUndefined(); // through the full pull
    expect(pagesSince(three, "other.2")).toBeUndefined(); // another cache's generation
    expect(pagesSince(three, "abc123.7")).toBeUndefined(); // one this cache never made
    expect(pagesSince({ ...three, dirty: true }, "abc123.2")).toBeUndefined();
    expect(usableFrom(three)).toEqual(["abc123.3", "abc123.2", "abc123.1"]);
  });

  it("keeps the last eight generations' pages, and a check's time only across frames", () => {
    let state = nextState(start, null, undefined);
    state = { ...state, checked_at: "2026-12-05T00:00:00.000Z" };
    for (let i = 0; i < 20; i++) state = nextState(state, [i + 2], { header: "00", end: 32 });
    expect(Object.keys(state.pages).length).toBe(8);
    expect(state.checked_at).toBe("2026-12-05T00:00:00.000Z");
    expect(nextState(state, null, undefined).checked_at).toBeUndefined();
  });

  it("a state file that is missing or damaged starts a new lineage", async () => {
    const fresh = await readCacheState(dir, "db.sqlite");
    expect(fresh.gen).toBe(0);
    await writeCacheState(dir, "db.sqlite", nextState(fresh, [1], undefined));
    expect((await readCacheState(dir, "db.sqlite")).lineage).toBe(fresh.lineage);
    writeFileSync(join(dir, ".db.sqlite.state.json"), "{ not json");
    expect((await readCacheState(dir, "db.sqlite")).lineage).not.toBe(fresh.lineage);
  });
});

describe("deltaSince (a copy at an older generation brought to the cache's)", () => {
  it("replayed by the sqlite3 command into the older copy, gives the cache byte for byte", async () => {
    const cache = join(dir, "cache.sqlite");
    const db = new Database(cache);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (randomblob(3000))");
    db.transaction(() => { for (let i = 0; i < 100; i++) insert.run(); })();
    db.close();
    const older = join(dir, "older.sqlite");
    copyFileSync(cache, older);
    const before = readFileSync(cache);
    const again = new Database(cache);
    again.prepare("UPDATE t SET v = randomblob(3000) WHERE id IN (3, 50, 97)").run();
    again.prepare("INSERT INTO t (v) VALUES (randomblob(3000))").run();
    again.close();
    const after = readFileSync(cache);
    const changed: number[] = [];
    for (let at = 0; at < after.length; at += 4096) if (!after.subarray(at, at + 4096).equals(before.subarray(at, at + 4096))) changed.push(at / 4096 + 1);
    const state = nextState(nextState(start, null, undefined), changed.filter((page) => page !== 1), undefined);
    const delta = await deltaSince(cache, state, "abc123.1");
    expect(delta).toBeDefined();
    expect(delta!.size).toBe(after.length);
    expect(parseWal(delta!.wal)?.frames.map((frame) => frame.pgno).sort((a, b) => a - b)).toEqual([1, ...changed.filter((page) => page !== 1)]);
    expect(await deltaSince(cache, state, "abc123.0")).toBeUndefined();
    // As B's script replays it (replicate.ts APPLY).
    const header = (mode: number) => {
      const bytes = readFileSync(older);
      bytes.writeUInt16BE(mode * 0x101, 18);
      writeFileSync(older, bytes);
    };
    header(2);
    writeFileSync(`${older}-wal`, delta!.wal);
    const replayed = execFileSync("sqlite3", [older, "SELECT count(*) FROM sqlite_master", "PRAGMA wal_checkpoint(FULL)"]).toString().trim().split("\n")[1];
    expect(replayed).toBe(`0|${delta!.frames}|${delta!.frames}`);
    header(1);
    expect(readFileSync(older).equals(after)).toBe(true);
  });
});
