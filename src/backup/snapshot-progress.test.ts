// A snapshot reports its steps from the start, and the SQLite copy runs off the main thread: while a
// database is copied, timers still fire (the agent keeps probing, a progress bar keeps moving).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { takeSnapshot } from "./snapshot.js";
import type { SnapshotProgress } from "./progress.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-snapshot-progress-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("reports copy, hash and check of a database in order, sizes known, while timers keep firing", async () => {
  const path = join(dir, "headscale.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
  const insert = db.prepare("INSERT INTO t (b) VALUES (randomblob(4000))");
  db.transaction(() => {
    for (let i = 0; i < 6_000; i++) insert.run();
  })();
  db.close();

  const events: Array<SnapshotProgress & { ticks: number }> = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    await takeSnapshot({ service: "headscale", data: [{ sqlite: path }], stagingRoot: dir, onProgress: (event) => events.push({ ...event, ticks }) });
  } finally {
    clearInterval(timer);
  }
  const steps = events.filter((event) => event.phase !== "update").map((event) => `${event.step} ${event.phase}`);
  expect(steps).toEqual(["copy start", "copy end", "hash start", "hash end", "check start", "check end"]);
  const start = events.find((event) => event.step === "copy" && event.phase === "start")!;
  const end = events.find((event) => event.step === "copy" && event.phase === "end")!;
  expect(start).toMatchObject({ item: path, done: 0 });
  expect(start.total).toBeGreaterThan(24e6);
  expect(end.done).toBeGreaterThan(24e6);
  // The copy of 24 MB took long enough for a 5 ms timer to fire during it: not one blocking call.
  expect(end.ticks - start.ticks).toBeGreaterThan(2);
  const checkStart = events.find((event) => event.step === "check" && event.phase === "start")!;
  const checkEnd = events.find((event) => event.step === "check" && event.phase === "end")!;
  expect(checkEnd.ticks - checkStart.ticks).toBeGreaterThanOrEqual(1);
}, 60_000);
