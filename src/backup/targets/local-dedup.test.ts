// The local target stores unchanged files once: a file whose content an earlier snapshot holds is a
// hard link to it. What a user checks: the disk used (du), that each snapshot still verifies and
// restores, that pruning one never breaks another, and that a changed or damaged file is not shared.
import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "../snapshot.js";
import { verifyStored } from "../verify.js";
import { restoreSnapshot } from "../restore.js";
import { LocalTarget } from "./local.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "understudy-dedup-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A WAL-mode database of about `mb` MB of random rows. */
function database(mb: number): string {
  const path = join(dir, "headscale.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
  const insert = db.prepare("INSERT INTO t (b) VALUES (randomblob(4000))");
  db.transaction(() => {
    for (let i = 0; i < mb * 250; i++) insert.run();
  })();
  db.close();
  return path;
}

/** Disk used under a folder, in MB, as `du` counts it (a hard-linked file once). */
const duMb = (path: string) => Number(execFileSync("du", ["-sk", path], { encoding: "utf8" }).split("\t")[0]) / 1024;

async function backUp(target: LocalTarget, db: string, at: string) {
  const snapshot = await takeSnapshot({ service: "headscale", data: [{ sqlite: db }], stagingRoot: join(dir, "staging"), now: () => new Date(at) });
  await target.put(snapshot.dir);
  await rm(snapshot.dir, { recursive: true, force: true });
  return snapshot.manifest;
}

const storedFile = (id: string) => join(dir, "store", id, "data", "0-sqlite", "headscale.db");

describe("the local target keeps an unchanged file once", () => {
  it("three snapshots of an unchanged 8 MB database take 8 MB, not 24, and each verifies", async () => {
    const db = database(8);
    const target = new LocalTarget(join(dir, "store"));
    const ids = [];
    for (const at of ["2026-12-01T01:00:00Z", "2026-12-02T01:00:00Z", "2026-12-03T01:00:00Z"]) ids.push((await backUp(target, db, at)).id);
    const size = (await stat(storedFile(ids[0]!))).size;
    expect(size).toBeGreaterThan(7.5e6);
    expect(duMb(join(dir, "store"))).toBeLessThan((size / 2 ** 20) * 1.1);
    expect((await stat(storedFile(ids[2]!))).nlink).toBe(3);
    for (const id of ids) expect(await verifyStored(target, id, dir)).toMatchObject({ ok: true, problems: [] });
    // The listing still tells each snapshot's own size.
    expect((await target.list()).map((info) => info.bytes)).toEqual([size, size, size]);
  });

  it("removing snapshots (as prune does) never breaks the others: they verify and restore", async () => {
    const db = database(2);
    const target = new LocalTarget(join(dir, "store"));
    const first = await backUp(target, db, "2026-12-01T01:00:00Z");
    const second = await backUp(target, db, "2026-12-02T01:00:00Z");
    const third = await backUp(target, db, "2026-12-03T01:00:00Z");
    await target.remove(first.id);
    expect(await verifyStored(target, second.id, dir)).toMatchObject({ ok: true });
    await target.remove(third.id);
    expect((await target.list()).map((info) => info.id)).toEqual([second.id]);
    expect(await verifyStored(target, second.id, dir)).toMatchObject({ ok: true });
    const to = join(dir, "restored");
    const restored = await restoreSnapshot({ target, id: second.id, to, verify: true });
    expect(restored.verify).toMatchObject({ ok: true });
    const copy = new Database(join(to, db), { readonly: true });
    expect(copy.prepare("SELECT count(*) FROM t").pluck().get()).toBe(500);
    copy.close();
    // A snapshot taken after the removals links to what is left.
    const fourth = await backUp(target, db, "2026-12-04T01:00:00Z");
    expect((await stat(storedFile(fourth.id))).ino).toBe((await stat(storedFile(second.id))).ino);
  });

  it("a changed database is stored again, and the earlier snapshot keeps its own content", async () => {
    const db = database(1);
    const target = new LocalTarget(join(dir, "store"));
    const before = await backUp(target, db, "2026-12-01T01:00:00Z");
    const writer = new Database(db);
    writer.exec("INSERT INTO t (b) VALUES (x'00')");
    writer.close();
    const after = await backUp(target, db, "2026-12-02T01:00:00Z");
    expect((await stat(storedFile(after.id))).ino).not.toBe((await stat(storedFile(before.id))).ino);
    expect(await verifyStored(target, before.id, dir)).toMatchObject({ ok: true });
    expect(await verifyStored(target, after.id, dir)).toMatchObject({ ok: true });
  });

  it("a damaged earlier copy is not shared: the new snapshot gets a fresh copy", async () => {
    const db = database(1);
    const target = new LocalTarget(join(dir, "store"));
    const before = await backUp(target, db, "2026-12-01T01:00:00Z");
    // Bit rot on the target: same size, other bytes.
    const handle = await open(storedFile(before.id), "r+");
    await handle.write(Buffer.from("rot"), 0, 3, 200_000);
    await handle.close();
    const after = await backUp(target, db, "2026-12-02T01:00:00Z");
    expect((await stat(storedFile(after.id))).nlink).toBe(1);
    expect(await verifyStored(target, after.id, dir)).toMatchObject({ ok: true });
    expect((await verifyStored(target, before.id, dir)).ok).toBe(false);
  });
});
