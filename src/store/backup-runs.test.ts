// The backup-run record: begun then finished, filtered by service, kind and time, newest good run found,
// and a run left unfinished by a stopped agent closed as interrupted on the next start.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { beginBackupRun, closeInterruptedRuns, finishBackupRun, lastGoodRun, listBackupRuns } from "./backup-runs.js";
import { openStore, type Store } from "./db.js";

let store: Store;
beforeEach(() => {
  store = openStore(":memory:");
});
afterEach(() => store.close());

describe("backup runs in the store", () => {
  it("lists runs oldest first, filtered by service, kind and since", () => {
    const a = beginBackupRun(store, { service: "headscale", kind: "backup", at: 1_000 });
    finishBackupRun(store, a, { at: 2_000, ok: true, snapshotId: "headscale-1", bytes: 4096, message: "stored on nas" });
    const b = beginBackupRun(store, { service: "headscale", kind: "replicate", host: "L002", at: 3_000 });
    finishBackupRun(store, b, { at: 3_500, ok: false, message: "unreachable" });
    const c = beginBackupRun(store, { service: "forgejo", kind: "backup", at: 4_000 });
    finishBackupRun(store, c, { at: 5_000, ok: false, message: "nas: ENOTDIR" });

    expect(listBackupRuns(store).map((run) => run.id)).toEqual([a, b, c]);
    expect(listBackupRuns(store, { service: "headscale" })).toEqual([
      { id: a, service: "headscale", kind: "backup", host: undefined, startedAt: 1_000, finishedAt: 2_000, ok: true, snapshotId: "headscale-1", bytes: 4096, message: "stored on nas" },
      { id: b, service: "headscale", kind: "replicate", host: "L002", startedAt: 3_000, finishedAt: 3_500, ok: false, snapshotId: undefined, bytes: undefined, message: "unreachable" },
    ]);
    expect(listBackupRuns(store, { since: 3_000 }).map((run) => run.id)).toEqual([b, c]);
    expect(listBackupRuns(store, { kind: "backup", limit: 1 }).map((run) => run.id)).toEqual([c]);
    expect(lastGoodRun(store, "headscale", "backup")?.snapshotId).toBe("headscale-1");
    expect(lastGoodRun(store, "forgejo", "backup")).toBeUndefined();
  });

  it("closes runs a stopped agent left unfinished as failed", () => {
    const id = beginBackupRun(store, { service: "headscale", kind: "backup", at: 1_000 });
    expect(listBackupRuns(store)[0]).toMatchObject({ id, finishedAt: undefined, ok: undefined });
    expect(closeInterruptedRuns(store, 9_000)).toBe(1);
    expect(listBackupRuns(store)[0]).toMatchObject({ id, finishedAt: 9_000, ok: false, message: "interrupted: the agent stopped during the run" });
    expect(closeInterruptedRuns(store, 10_000)).toBe(0);
  });
});
