import { execFileSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, writeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildWal, pagesWrittenSince, parseWal, WAL_HEADER } from "./wal.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-wal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT id, hex(v) AS v FROM t ORDER BY id").all();
  } finally {
    db.close();
  }
};

/** Bytes 18 and 19 of a database's header: 1 rollback journal, 2 WAL. */
function setMode(path: string, mode: 1 | 2) {
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.from([mode, mode]), 0, 2, 18);
  closeSync(fd);
}
/** The sqlite3 command reads the database (so the log is opened and replayed), then checkpoints: "busy|frames|checkpointed". */
const checkpointed = (path: string) => execFileSync("sqlite3", [path, "SELECT count(*) FROM sqlite_master", "PRAGMA wal_checkpoint(FULL)"]).toString().trim().split("\n")[1];
const flip = (data: Buffer, at: number) => data.writeUInt8(data.readUInt8(at) ^ 0xff, at);
const walMode = (page: Buffer) => Buffer.concat([page.subarray(0, 18), Buffer.from([2, 2]), page.subarray(20)]);

describe("parseWal (real logs written by SQLite)", () => {
  it("reads the frames up to the last commit, and the pages each transaction wrote", () => {
    const path = join(dir, "app.sqlite");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    db.prepare("INSERT INTO t (v) VALUES (randomblob(3000))").run();
    const first = parseWal(readFileSync(`${path}-wal`));
    expect(first).toBeDefined();
    expect(first?.pageSize).toBe(4096);
    const pagesNow = db.pragma("page_count", { simple: true }) as number;
    expect(first?.pages).toBe(pagesNow);
    db.prepare("UPDATE t SET v = randomblob(3000) WHERE id = 1").run();
    const second = parseWal(readFileSync(`${path}-wal`));
    expect(second?.header.equals(first?.header ?? Buffer.alloc(0))).toBe(true);
    expect(second?.end).toBeGreaterThan(first?.end ?? Infinity);
    // The update rewrote the row's leaf page (page 2: the table's root, small enough to be its only page).
    expect(pagesWrittenSince(second!, first!.end)).toEqual([2]);
    // A torn last frame (a writer caught mid-append) does not count, nor does anything after it.
    const torn = Buffer.from(readFileSync(`${path}-wal`));
    flip(torn, second!.end - 100);
    expect(parseWal(torn)?.end).toBe(first?.end);
    db.close();
  });

  it("is undefined for what is not a log, and ends at the header for a log with no commit", () => {
    expect(parseWal(Buffer.from("not a wal at all, not a wal at all"))).toBeUndefined();
    const empty = buildWal(4096, [{ pgno: 1, data: Buffer.alloc(4096) }], 1).subarray(0, WAL_HEADER);
    expect(parseWal(empty)).toMatchObject({ end: WAL_HEADER, frames: [], pages: 0 });
  });
});

describe("buildWal, replayed by the sqlite3 command as a standby does", () => {
  it("brings an older copy of a database to the newer one, byte for byte, shrinking it too", () => {
    const path = join(dir, "app.sqlite");
    const db = new Database(path);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (randomblob(?))");
    db.transaction(() => { for (let i = 0; i < 300; i++) insert.run(2000); })();
    db.close();
    const older = join(dir, "older.sqlite");
    copyFileSync(path, older);
    const again = new Database(path);
    again.prepare("UPDATE t SET v = randomblob(1500) WHERE id % 7 = 0").run();
    again.prepare("DELETE FROM t WHERE id > 200").run();
    again.exec("VACUUM");
    again.close();
    const newer = readFileSync(path);
    const old = readFileSync(older);
    const pages: Array<{ pgno: number; data: Buffer }> = [];
    for (let at = 0; at < newer.length; at += 4096) {
      const page = newer.subarray(at, at + 4096);
      if (!page.equals(old.subarray(at, at + 4096))) pages.push({ pgno: at / 4096 + 1, data: page });
    }
    expect(newer.length).toBeLessThan(old.length);
    const wal = buildWal(4096, pages.map(({ pgno, data }) => ({ pgno, data: pgno === 1 ? walMode(data) : data })), newer.length / 4096);
    expect(parseWal(wal)?.frames.length).toBe(pages.length);
    // As the standby's script does it: the header says WAL mode (bytes 18 and 19, in the file and in
    // page 1's frame), the log beside, a checkpoint that must take every frame, the header back.
    setMode(older, 2);
    writeFileSync(`${older}-wal`, wal);
    const checkpoint = checkpointed(older);
    expect(checkpoint).toBe(`0|${pages.length}|${pages.length}`);
    setMode(older, 1);
    expect(readFileSync(older).equals(newer)).toBe(true);
    expect(rows(older)).toEqual(rows(path));
    expect(execFileSync("sqlite3", [older, "PRAGMA integrity_check"]).toString().trim()).toBe("ok");
  });

  it("a log damaged on the way is not replayed: the checkpoint takes no frame", () => {
    const path = join(dir, "app.sqlite");
    const db = new Database(path);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    db.close();
    const before = readFileSync(path);
    const wal = buildWal(4096, [{ pgno: 1, data: walMode(before.subarray(0, 4096)) }, { pgno: 3, data: Buffer.alloc(4096, 7) }], 3);
    flip(wal, WAL_HEADER + 24 + 4096 + 24 + 10);
    setMode(path, 2);
    writeFileSync(`${path}-wal`, wal);
    expect(checkpointed(path)).toBe("0|0|0");
  });
});
