// The agent's real backup jobs on a local-folder target, driven by the scheduler on a fake clock: a
// backup prunes what `keep` no longer keeps, a broken target alerts once and recovers once, a restore
// test passes on a good snapshot and alerts when one byte of the stored snapshot is flipped.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listBackupRuns } from "../store/backup-runs.js";
import { startBackupFixture, type BackupFixture } from "./backup-test-fixture.js";

const HOUR = 3_600_000;

let fixture: BackupFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const snapshots = async (f: BackupFixture) => (await readdir(join(f.dir, "store"))).filter((name) => name.startsWith("headscale-")).sort();

describe("the agent's backup jobs on a local target", () => {
  it("backs up on schedule and prunes to keep.last after each backup", async () => {
    const f = (fixture = await startBackupFixture('backup: { to: nas, schedule: "0 * * * *", keep: { last: 2 } }'));
    await f.step(HOUR, 3);
    const runs = listBackupRuns(f.store, { kind: "backup" });
    expect(runs.map((run) => run.ok)).toEqual([true, true, true]);
    expect(runs[2]!.message).toMatch(/^headscale-\S+ stored on nas \(0\.0 MB\); pruned 1 on nas$/);
    // The two newest survive: the snapshots of the second and third runs.
    expect(await snapshots(f)).toEqual([runs[1]!.snapshotId, runs[2]!.snapshotId].sort());
    expect(await f.titles()).toEqual([]);
  });

  it("alerts once while the target is broken and once when it works again", async () => {
    const f = (fixture = await startBackupFixture('backup: { to: nas, schedule: "0 * * * *" }'));
    await writeFile(join(f.dir, "not-a-folder"), "a file where the target's parent should be");
    f.setConfig('backup: { to: nas, schedule: "0 * * * *" }', join(f.dir, "not-a-folder", "store"));
    await f.step(HOUR, 3);
    const titles = await f.titles();
    expect(titles).toHaveLength(1);
    expect(titles[0]).toMatch(/^backup of headscale failed: nas: .*ENOTDIR/);
    f.setConfig('backup: { to: nas, schedule: "0 * * * *" }');
    await f.step(HOUR);
    expect((await f.titles()).slice(1)).toEqual([`Resolved: ${titles[0]}`]);
    expect(f.sent[1]!.body).toMatch(/^backup of headscale works again: headscale-\S+ stored on nas/);
    expect(listBackupRuns(f.store, { kind: "backup" }).map((run) => run.ok)).toEqual([false, false, false, true]);
  });

  it("restore test: passes on a good snapshot, alerts on one flipped byte", async () => {
    const f = (fixture = await startBackupFixture('backup: { to: nas, schedule: "0 3 * * *", restore_test: "0 4 * * *" }', { start: Date.parse("2026-01-05T02:30:00Z") }));
    await f.step(HOUR, 2);
    const [good] = listBackupRuns(f.store, { kind: "restore-test" });
    expect(good).toMatchObject({ ok: true, message: expect.stringMatching(/^restored headscale-\S+ from nas: every file matches its manifest, every SQLite copy passes integrity_check$/) });
    // Nothing of the restore is left behind in the staging folder.
    expect(await readdir(join(f.dir, "state", "staging"))).toEqual([]);

    const [id] = await snapshots(f);
    const key = join(f.dir, "store", id!, "data", "1-path", "noise_private.key");
    const bytes = await readFile(key);
    bytes[0] = bytes[0]! ^ 0x01;
    await writeFile(key, bytes);
    // No new backup before the next restore test (04:00 tomorrow), so it restores the damaged snapshot.
    f.setConfig('backup: { to: nas, schedule: "0 3 1 1 *", restore_test: "0 4 * * *" }');
    await f.step(HOUR, 24);
    const titles = await f.titles();
    expect(titles).toEqual([expect.stringMatching(new RegExp(`^restore test of headscale failed: nas: snapshot ${id} is damaged \\(1-path/noise_private.key: sha256 `))]);
    expect(listBackupRuns(f.store, { kind: "restore-test" }).map((run) => run.ok)).toEqual([true, false]);
  });
});
