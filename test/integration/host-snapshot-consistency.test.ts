// The consistent copy of a live SQLite database (src/backup/host-snapshot.ts): files copied inside a
// read transaction, the WAL replayed on the copy. A writer in its own process commits transactions
// that each touch two tables (a row in `entries`, the count in `totals`), and checkpoints after every
// few pages so the WAL is restarted over and over; every copy taken meanwhile must be a state some
// commit left: integrity_check ok and the count equal to the rows. The same in rollback mode (the
// copy's read transaction keeps the writer out meanwhile). The real sqlite3 CLI; then the same over a
// real sshd as replication takes it (in WAL mode pulled live by rsync under a held read transaction).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotOnHost } from "../../src/backup/host-snapshot.js";
import { localHost } from "../../src/hosts/local-host.js";
import { sshHost } from "../../src/hosts/ssh-host.js";
import { startSshd } from "./helpers/sshd.js";
import { requireBinaries } from "./helpers/binaries.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const available = requireBinaries("sqlite3", "sqlite3");
const withSsh = requireBinaries("openssh-server openssh-client rsync", "sshd", "ssh", "rsync");

const WRITER = `const Database = require("better-sqlite3");
const db = new Database(process.argv[1]);
db.pragma("journal_mode = " + process.argv[2]);
db.pragma("wal_autocheckpoint = " + process.argv[3]);
db.pragma("busy_timeout = 10000");
db.exec("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, v BLOB); CREATE TABLE IF NOT EXISTS totals (n INTEGER); INSERT INTO totals SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM totals)");
const insert = db.prepare("INSERT INTO entries (v) VALUES (randomblob(?))");
const count = db.prepare("UPDATE totals SET n = n + 1");
const prune = db.prepare("DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY random() LIMIT 1)");
const uncount = db.prepare("UPDATE totals SET n = n - 1");
const commit = db.transaction((i) => { insert.run(500 + (i % 7) * 900); count.run(); if (i % 3 === 0) { prune.run(); uncount.run(); } });
let i = 0;
setInterval(() => { for (let k = 0; k < 20; k++) commit(i++); }, Number(process.argv[4]));
process.stdout.write("ready\\n");`;

/** A copy as a user would check it: integrity ok, rollback mode; its row count, running total and the table's root page. */
function inspect(path: string): { rows: number; total: number; rootPage: number } {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
    return {
      rows: copy.prepare("SELECT count(*) FROM entries").pluck().get() as number,
      total: copy.prepare("SELECT n FROM totals").pluck().get() as number,
      rootPage: copy.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'entries'").pluck().get() as number,
    };
  } finally {
    copy.close();
  }
}

// 20 commits every 2 ms with a checkpoint every 8 pages: the WAL restarts between all cycles (each
// pull is whole). 20 every 400 ms with SQLite's default of 1000: most cycles find the log they left and
// take only the frames written since, under a writer that goes on meanwhile.
describe.skipIf(!available).each([["WAL", 8, 2], ["DELETE", 8, 2], ["WAL", 1000, 400]])("a consistent copy of a SQLite database (journal_mode %s) under a writer that checkpoints every %i pages", (mode, every, tick) => {
  let dir: TempDir;
  let writer: ChildProcess;
  let rootPage: number;

  beforeAll(async () => {
    dir = await makeTempDir("understudy-copy-");
    // The tables the writer uses are made after 200 pages of scratch that is then dropped: their root
    // pages stay past page 200 in the file, where VACUUM INTO would renumber them from the start.
    const setup = new Database(join(dir.path, "app.db"));
    setup.exec("CREATE TABLE scratch (v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO scratch SELECT randomblob(3000) FROM n");
    setup.exec("CREATE TABLE entries (id INTEGER PRIMARY KEY, v BLOB); CREATE TABLE totals (n INTEGER); INSERT INTO totals VALUES (0); DROP TABLE scratch");
    rootPage = setup.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'entries'").pluck().get() as number;
    setup.close();
    expect(rootPage).toBeGreaterThan(200);
    writer = spawn(process.execPath, ["-e", WRITER, join(dir.path, "app.db"), String(mode), String(every), String(tick)], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve, reject) => {
      writer.stdout!.once("data", resolve);
      writer.once("exit", (code) => reject(new Error(`the writer exited with ${code}`)));
    });
  });
  afterAll(async () => {
    if (writer && writer.exitCode === null) {
      const exited = new Promise((resolve) => writer.once("exit", resolve));
      writer.kill("SIGKILL");
      await exited;
    }
    await dir?.stop();
  });

  it("gives, copy after copy, a database some commit left (integrity ok, the count equal to the rows), with its pages where they were", async () => {
    const access = localHost("app-host");
    const seen: Array<{ rows: number; total: number; rootPage: number }> = [];
    for (let round = 0; round < 25; round++) {
      const into = join(dir.path, `snap-${round}`);
      await snapshotOnHost({ service: "app", data: [{ sqlite: join(dir.path, "app.db") }], access, root: "/", into, hash: false, tempDir: dir.path });
      seen.push(inspect(join(into, "data", "0-sqlite", "app.db")));
    }
    for (const state of seen) expect(state.total).toBe(state.rows);
    // The writer went on between copies: they are not all the same state.
    expect(new Set(seen.map((state) => state.rows)).size).toBeGreaterThan(5);
    // Pages stay where the source has them (a copy by VACUUM INTO, the fallback, would renumber them),
    // so rsync's delta is the pages changed.
    for (const state of seen) expect(state.rootPage).toBe(rootPage);
  }, 120_000);

  it.skipIf(!withSsh)("over SSH, for replication (pulled live under a read transaction, folded and checked on the agent), into the same cache copy after copy", async () => {
    const sshd = await startSshd();
    const access = sshHost({ host: "app-host", address: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: `file:${sshd.clientKeyFile}`, hostKey: sshd.hostKeyFingerprint, env: process.env, scratchDir: dir.path });
    const seen: Array<{ rows: number; total: number; rootPage: number }> = [];
    const pulls: string[] = [];
    const into = join(dir.path, "cache");
    try {
      for (let round = 0; round < 15; round++) {
        const snapshot = await snapshotOnHost({ service: "app", data: [{ sqlite: join(dir.path, "app.db") }], access, root: "/", into, hash: false, checkOn: "agent", tempDir: dir.path, track: true });
        await snapshot.checked;
        const pulled = snapshot.pulls[join(dir.path, "app.db")];
        pulls.push(pulled ?? "none");
        // Checked on the agent, except a copy that only took frames since its last check (inspect() checks every one).
        expect(snapshot.manifest.sqlite).toEqual([{ path: "0-sqlite/app.db", integrity_check: pulled === "tail" ? expect.stringMatching(/^(ok|not run: frames replayed onto the copy checked at .*)$/) : "ok" }]);
        // Nothing beside the copy but what the next cycle starts from (the WAL's basis, the generation's
        // state): its WAL was folded in, no -shm, no journal.
        expect((await readdir(join(into, "data", "0-sqlite"))).filter((name) => !name.startsWith(".app.db"))).toEqual(["app.db"]);
        seen.push(inspect(join(into, "data", "0-sqlite", "app.db")));
      }
      // The host's temporary folder went with each snapshot.
      expect((await readdir(dir.path)).filter((name) => name.startsWith("understudy-snapshot."))).toEqual([]);
    } finally {
      await access.close();
      await sshd.stop();
    }
    for (const state of seen) expect(state.total).toBe(state.rows);
    expect(new Set(seen.map((state) => state.rows)).size).toBeGreaterThan(5);
    for (const state of seen) expect(state.rootPage).toBe(rootPage);
    // The first copy is whole; with a WAL that lives across cycles, most of the others are its frames since.
    expect(pulls[0]).toBe("full");
    if (every === 1000) expect(pulls.filter((how) => how === "tail").length).toBeGreaterThan(3);
    if (mode === "DELETE") expect(pulls.every((how) => how === "full")).toBe(true);
  }, 180_000);
});

describe.skipIf(!available || !withSsh)("a live pull broken off (the agent gone mid-pull)", () => {
  it("lets go of the source's read transaction: the WAL can be checkpointed again, nothing is left on the host", async () => {
    const dir = await makeTempDir("understudy-live-");
    const sshd = await startSshd();
    const access = sshHost({ host: "app-host", address: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: `file:${sshd.clientKeyFile}`, hostKey: sshd.hostKeyFingerprint, env: process.env, scratchDir: dir.path });
    const path = join(dir.path, "big.db");
    try {
      const db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.exec("CREATE TABLE t (v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) INSERT INTO t SELECT randomblob(4000) FROM n");
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.exec("INSERT INTO t VALUES (randomblob(4000))");
      const stop = new AbortController();
      const aborted = new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
      const taking = snapshotOnHost({
        service: "app", data: [{ sqlite: path }], access, root: "/", into: join(dir.path, "cache"), hash: false, checkOn: "agent", tempDir: dir.path, signal: stop.signal,
        // Broken off as soon as the pull of 240 MB begins.
        onProgress: (event) => event.step === "pull" && event.phase === "start" && setTimeout(() => stop.abort(), 200),
      });
      taking.catch(() => undefined);
      await aborted;
      // The host lets go within seconds of the pull's end: a checkpoint that must wait for every reader
      // goes through (a transaction left open would hold it back for as long as it stays).
      let result: { busy: number; log: number; checkpointed: number } | undefined;
      for (let i = 0; i < 50 && result?.busy !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        result = (db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number; log: number; checkpointed: number }>)[0];
      }
      expect(result).toMatchObject({ busy: 0, log: 0 });
      await expect(taking).rejects.toThrow();
      db.close();
      expect((await readdir(dir.path)).filter((name) => name.startsWith("understudy-snapshot."))).toEqual([]);
    } finally {
      await access.close();
      await sshd.stop();
      await dir.stop();
    }
  }, 120_000);
});
