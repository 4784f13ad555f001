// The backup scheduler's timing and alerting, with stand-in jobs on a fake clock: when runs happen
// (across DST too), that a run never overlaps itself, that a failure alerts once and its fix once,
// that a stale backup (max_age) and a stale replica (RPO) alert, and that the push token is beaten.
import { afterEach, describe, expect, it } from "vitest";
import { listBackupRuns } from "../store/backup-runs.js";
import type { BackupJobs, JobResult } from "./backup-jobs.js";
import { startBackupFixture, type BackupFixture } from "./backup-test-fixture.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ok: JobResult = { ok: true, message: "stored", snapshotId: "headscale-x", bytes: 10 };

/** Jobs that record when they ran and answer what the test scripts (default: success at once). */
function stubJobs(answers: Array<JobResult | Promise<JobResult>> = []): BackupJobs & { calls: Array<{ kind: string; at: number }>; now?: () => number } {
  const calls: Array<{ kind: string; at: number }> = [];
  const jobs = {
    calls,
    backup: async () => {
      calls.push({ kind: "backup", at: jobs.now?.() ?? 0 });
      return answers.shift() ?? ok;
    },
    replicate: async () => {
      calls.push({ kind: "replicate", at: jobs.now?.() ?? 0 });
      return [{ ...ok, host: "L002" }];
    },
    restoreTest: async () => {
      calls.push({ kind: "restore-test", at: jobs.now?.() ?? 0 });
      return answers.shift() ?? ok;
    },
  } as BackupJobs & { calls: Array<{ kind: string; at: number }>; now?: () => number };
  return jobs;
}

let fixture: BackupFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function start(service: string, jobs: ReturnType<typeof stubJobs>, options: Parameters<typeof startBackupFixture>[1] = {}) {
  fixture = await startBackupFixture(service, { ...options, jobs });
  jobs.now = () => fixture!.clock.now();
  return fixture;
}

const local = (at: number, zone: string) => new Date(at).toLocaleString("sv-SE", { timeZone: zone });

describe("backup scheduler", () => {
  it("runs a 02:30 Europe/Berlin backup daily across the spring-forward night, once each day", async () => {
    const jobs = stubJobs();
    const f = await start('backup: { to: nas, schedule: "30 2 * * *", timezone: Europe/Berlin }', jobs, { start: Date.parse("2026-03-27T12:00:00Z") });
    await f.clock.advance(4 * 24 * HOUR);
    expect(jobs.calls.map((call) => local(call.at, "Europe/Berlin"))).toEqual(["2026-03-28 02:30:00", "2026-03-29 03:30:00", "2026-03-30 02:30:00", "2026-03-31 02:30:00"]);
    expect(listBackupRuns(f.store, { service: "headscale" }).map((run) => run.ok)).toEqual([true, true, true, true]);
  });

  it("never overlaps a run with itself: a turn that comes while the last is running is skipped", async () => {
    let finish!: (result: JobResult) => void;
    const slow = new Promise<JobResult>((resolve) => (finish = resolve));
    const jobs = stubJobs([slow]);
    const f = await start('backup: { to: nas, schedule: "* * * * *" }', jobs);
    await f.clock.advance(3.5 * MINUTE);
    expect(jobs.calls).toHaveLength(1);
    expect(listBackupRuns(f.store).map((run) => run.finishedAt)).toEqual([undefined]);
    finish(ok);
    await f.clock.advance(MINUTE);
    expect(jobs.calls).toHaveLength(2);
    expect(listBackupRuns(f.store).map((run) => run.ok)).toEqual([true, true]);
  });

  it("alerts once on failure, stays quiet while it keeps failing, and sends one recovery", async () => {
    const broken: JobResult = { ok: false, message: "nas: cannot read /srv/backup: ENOTDIR" };
    const jobs = stubJobs([broken, broken, broken, ok]);
    const f = await start('backup: { to: nas, schedule: "0 * * * *" }', jobs);
    await f.clock.advance(3 * HOUR);
    expect(await f.titles()).toEqual(["backup of headscale failed: nas: cannot read /srv/backup: ENOTDIR"]);
    await f.clock.advance(HOUR);
    expect(await f.titles()).toEqual(["backup of headscale failed: nas: cannot read /srv/backup: ENOTDIR", "Resolved: backup of headscale failed: nas: cannot read /srv/backup: ENOTDIR"]);
    expect(f.sent.map((n) => n.event)).toEqual(["opened", "resolved"]);
    expect(f.sent[0]).toMatchObject({ key: "backup:headscale:backup", severity: "high" });
    await f.clock.advance(2 * HOUR);
    expect(f.sent).toHaveLength(2);
    expect(listBackupRuns(f.store, { kind: "backup" }).map((run) => run.ok)).toEqual([false, false, false, true, true, true]);
  });

  it("alerts when the newest good backup is older than max_age, and clears when a backup succeeds", async () => {
    const jobs = stubJobs();
    const f = await start('backup: { to: nas, schedule: "0 3 * * *", max_age: 2h }', jobs, { start: Date.parse("2026-01-05T10:00:00Z") });
    await f.clock.advance(2 * HOUR);
    expect(await f.titles()).toEqual([]);
    await f.clock.advance(2 * MINUTE);
    expect(await f.titles()).toEqual(["no good backup of headscale in 2h1m, max_age 2h"]);
    await f.clock.advance(15 * HOUR); // 03:02 the next day: the 03:00 backup ran
    expect((await f.titles()).slice(1)).toEqual(["Resolved: no good backup of headscale in 2h1m, max_age 2h"]);
    await f.clock.advance(2 * HOUR + 2 * MINUTE);
    expect((await f.titles()).slice(2)).toEqual(["newest good backup of headscale is 2h1m old, max_age 2h"]);
  });

  it("alerts when a replica is older than the RPO, naming the host", async () => {
    const jobs = stubJobs();
    let dataTime = Date.parse("2026-01-05T10:00:00Z");
    const replicas = { ages: async (service: string, now: number) => [{ service, host: "L002", snapshot_id: "s", data_time: new Date(dataTime).toISOString(), shipped_at: "", age_ms: now - dataTime }] };
    const f = await start("target: { rpo: 5m }\nreplicate: { to: standby, every: 1h }", jobs, { replicas });
    await f.clock.advance(5 * MINUTE);
    expect(await f.titles()).toEqual([]);
    await f.clock.advance(9 * MINUTE);
    // Noticed at the first minute past the RPO, and said once.
    expect(await f.titles()).toEqual(["replica of headscale on L002 is 6m old, RPO 5m"]);
    dataTime = f.clock.now();
    await f.clock.advance(MINUTE);
    expect((await f.titles()).slice(1)).toEqual(["Resolved: replica of headscale on L002 is 6m old, RPO 5m"]);
    expect(await f.registry.metrics()).toContain('understudy_replica_age_seconds{service="headscale",host="L002"} 60');
  });

  it("beats the push token after each successful backup, not after a failed one", async () => {
    const jobs = stubJobs([ok, { ok: false, message: "boom" }]);
    const f = await start('backup: { to: nas, schedule: "0 * * * *", push: env:BACKUP_TOKEN }', jobs, { pushTokens: ["resolved-BACKUP_TOKEN"] });
    await f.clock.advance(2 * HOUR);
    expect(f.beats).toEqual(["resolved-BACKUP_TOKEN"]);
  });

  it("picks up a changed schedule from a reloaded config and stops what is no longer configured", async () => {
    const jobs = stubJobs();
    const f = await start('backup: { to: nas, schedule: "0 3 * * *" }', jobs);
    f.setConfig('backup: { to: nas, schedule: "*/10 * * * *" }');
    await f.clock.advance(21 * MINUTE);
    expect(jobs.calls.map((call) => new Date(call.at).toISOString().slice(11, 16))).toEqual(["10:10", "10:20"]);
    f.setConfig("description: no backups now");
    await f.clock.advance(HOUR);
    expect(jobs.calls).toHaveLength(2);
    expect(f.backups.scheduler.planned()).toEqual([]);
  });

  it("runs a daily backup once when the wall clock is stepped back, and late (not never) when stepped forward", async () => {
    const jobs = stubJobs();
    const f = await start('backup: { to: nas, schedule: "0 3 * * *" }', jobs, { start: Date.parse("2026-01-05T02:00:00Z") });
    await f.clock.advance(30 * MINUTE);
    f.clock.jump(-HOUR); // 02:30 becomes 01:30
    await f.clock.advance(HOUR);
    expect(jobs.calls).toHaveLength(0);
    await f.clock.advance(31 * MINUTE);
    expect(jobs.calls.map((call) => new Date(call.at).toISOString())).toEqual(["2026-01-05T03:00:00.000Z"]);
    await f.clock.advance(22 * HOUR); // 01:31 the next day
    f.clock.jump(3 * HOUR); // 04:31: the 03:00 run was stepped over
    await f.clock.advance(5 * MINUTE);
    expect(jobs.calls).toHaveLength(2);
    await f.clock.advance(20 * HOUR);
    expect(jobs.calls).toHaveLength(2);
  });

  it("alerts once about a schedule it cannot read, instead of never backing up in silence", async () => {
    const jobs = stubJobs();
    const f = await start('backup: { to: nas, schedule: "0 27 * * *" }', jobs);
    await f.clock.advance(3 * HOUR);
    expect(await f.titles()).toEqual(['backup of headscale is not scheduled: cron "0 27 * * *" is not valid (Constraint error, got value 27 expected range 0-23)']);
    expect(jobs.calls).toHaveLength(0);
  });

  it("exports the last success and the runs by outcome", async () => {
    const jobs = stubJobs([{ ok: false, message: "boom" }]);
    const f = await start('backup: { to: nas, schedule: "0 * * * *" }', jobs);
    await f.clock.advance(2 * HOUR);
    const text = await f.registry.metrics();
    expect(text).toContain(`understudy_backup_last_success_timestamp_seconds{service="headscale"} ${Date.parse("2026-01-05T12:00:00Z") / 1000}`);
    expect(text).toContain('understudy_backup_runs_total{service="headscale",kind="backup",ok="false"} 1');
    expect(text).toContain('understudy_backup_runs_total{service="headscale",kind="backup",ok="true"} 1');
  });
});
