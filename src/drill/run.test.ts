// The drill's state machine on a fake clock and a fake world: what it measures, when it refuses,
// aborts and restores, and how a drill left behind by a crash is settled.
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../engine/clock.js";
import { openStore, type Store } from "../store/db.js";
import { DrillJournal } from "./journal.js";
import { newDrill, type Drill } from "./machine.js";
import { drillNumbers } from "./measure.js";
import { runDrill, settleDrill, type RunDeps } from "./run.js";
import type { DrillWorld, FailoverSeen } from "./world.js";

const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((store) => store.close()));

/** A world where the primary dies at inject, the agent's run starts 3 s later, DNS flips 1 s after that. */
function fakeWorld(clock: FakeClock, overrides: Partial<DrillWorld> = {}) {
  const log: string[] = [];
  let injectedAt: number | undefined;
  let onPrimary = true;
  let primaryRunning = true;
  const run = (): FailoverSeen | undefined => {
    if (injectedAt === undefined || clock.now() < injectedAt + 3_000) return undefined;
    const switched = clock.now() >= injectedAt + 4_000;
    if (switched) onPrimary = false;
    return { id: 7, status: switched ? "done" : "running", detectedAt: injectedAt + 2_000, startedAt: injectedAt + 3_000, switchedAt: switched ? injectedAt + 4_000 : undefined, summary: undefined };
  };
  const world: DrillWorld = {
    mode: "agent", pollMs: 250, checkIntervalMs: 1_000, failureThreshold: 2, rpoMs: undefined,
    preconditions: async () => [],
    writeMarker: async (marker) => (log.push(`write ${marker}`), { ok: true, output: "", written: "42" }),
    inject: async () => { log.push("inject"); injectedAt = clock.now(); primaryRunning = false; return { ok: true, output: "stopped" }; },
    primaryUp: async () => primaryRunning,
    startFailover: async () => ({ ok: true, output: "" }),
    failoverRun: () => run(),
    dnsAtStandby: async () => (run(), !onPrimary),
    standbyServes: async () => true,
    readMarker: async (_marker, written) => (log.push(`read ${written}`), "present"),
    replicaAgeMs: async () => undefined,
    othersDegraded: async () => [],
    undoInjection: async () => { log.push("undo"); primaryRunning = true; return { ok: true, output: "started" }; },
    failback: async () => { log.push("failback"); onPrimary = true; return { ok: true, output: "moved back" }; },
    primaryRestored: async () => primaryRunning && onPrimary,
    ...overrides,
  };
  return { world, log };
}

function setUp(world: DrillWorld, clock: FakeClock, targetRtoMs: number | undefined = 60_000) {
  const store = openStore(":memory:");
  stores.push(store);
  const journal = new DrillJournal(store);
  const deps: RunDeps = { clock, journal, world, deadlineMs: 120_000 };
  const planned = newDrill({ service: "app", scenario: "stop", mode: world.mode, primary: "a", standby: "b", owner: { host: "h", pid: 1 }, targetRtoMs, startedAt: clock.now() });
  return { deps, journal, planned };
}

async function drive(clock: FakeClock, promise: Promise<Drill>): Promise<Drill> {
  let done: Drill | undefined;
  void promise.then((drill) => (done = drill));
  for (let i = 0; i < 2_000 && done === undefined; i++) await clock.advance(250);
  if (!done) throw new Error("the drill did not end");
  return done;
}

describe("a drill", () => {
  it("measures detect, decide, switch and serve from the agent's run, checks the marker and restores", async () => {
    const clock = new FakeClock();
    const { world, log } = fakeWorld(clock);
    const { deps, journal, planned } = setUp(world, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill).toMatchObject({ state: "finished", outcome: "passed", failoverRunId: 7, data: { marker: "present", lostMs: 0 } });
    const numbers = drillNumbers(drill);
    expect(numbers).toMatchObject({ detectMs: 2_000, decideMs: 1_000, firstFailureMs: 0, serveMs: 0 });
    // DNS is looked at every 250 ms: the flip at +4 s is seen on the first poll at or after it.
    expect(numbers.switchMs).toBe(1_000);
    expect(numbers.rtoMs).toBe(4_000);
    expect(log).toEqual([expect.stringMatching(/^write understudy-drill-1-/), "inject", "read 42", "undo", "failback"]);
    expect(journal.get(drill.id)).toEqual(drill);
    expect(journal.unfinished()).toEqual([]);
  });

  it("fails when the measured RTO is over the target, still restoring", async () => {
    const clock = new FakeClock();
    const { world } = fakeWorld(clock);
    const { deps, planned } = setUp(world, clock, 3_000);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill.outcome).toBe("failed");
    expect(drill.summary).toMatch(/RTO 4\.0 s is over the target of 3\.0 s; app serves from a again/);
  });

  it("is refused by a failed precondition and touches nothing", async () => {
    const clock = new FakeClock();
    const { world, log } = fakeWorld(clock, { preconditions: async () => ["standby b fails its checks"] });
    const { deps, planned } = setUp(world, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill).toMatchObject({ state: "refused", outcome: "refused", summary: "not started: standby b fails its checks" });
    expect(log).toEqual([]);
  });

  it("detects and fails over by itself in self mode, after failure_threshold failed checks", async () => {
    const clock = new FakeClock();
    let startedAt: number | undefined;
    const { world } = fakeWorld(clock, { mode: "self" });
    const self: DrillWorld = {
      ...world,
      startFailover: async (detectedAt) => ((startedAt = detectedAt), { ok: true, output: "" }),
      failoverRun: () => (startedAt === undefined ? undefined : { id: 9, status: "done", detectedAt: startedAt, startedAt, switchedAt: startedAt, summary: undefined }),
      dnsAtStandby: async () => undefined,
    };
    const { deps, planned } = setUp(self, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    // Checks at +0 s and +1 s fail; the second reaches the threshold of 2.
    expect(drillNumbers(drill)).toMatchObject({ firstFailureMs: 0, detectMs: 1_000, decideMs: 0, switchMs: 0 });
    expect(drill.outcome).toBe("passed");
  });

  it("aborts and restores at once when another service degrades", async () => {
    const clock = new FakeClock();
    const { world, log } = fakeWorld(clock);
    const start = clock.now();
    const { deps, planned } = setUp({ ...world, othersDegraded: async () => (clock.now() >= start + 1_500 ? ["forgejo"] : []) }, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill).toMatchObject({ outcome: "aborted", abortReason: "aborted: forgejo degraded during the drill" });
    expect(log.slice(-2)).toEqual(["undo", "failback"]);
    expect(drill.restoredAt).toBeDefined();
  });

  it("aborts when the deadline passes before the standby serves", async () => {
    const clock = new FakeClock();
    const { world } = fakeWorld(clock, { standbyServes: async () => false });
    const { deps, planned } = setUp(world, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill.outcome).toBe("aborted");
    expect(drill.abortReason).toMatch(/the deadline \(120 s after the failure\) passed in state switched/);
  });

  it("reports the data lost when the standby lacks the marker, as the replica's age", async () => {
    const clock = new FakeClock();
    const { world } = fakeWorld(clock, { readMarker: async () => "missing", replicaAgeMs: async () => 90_000, rpoMs: 300_000 });
    const { deps, planned } = setUp(world, clock);
    const drill = await drive(clock, runDrill(deps, planned));
    expect(drill.data).toMatchObject({ marker: "missing", lostMs: 90_000 });
    expect(drill.outcome).toBe("passed");
  });

  it("left behind in a crash after the failover, is restored on the next start and marked interrupted", async () => {
    const clock = new FakeClock();
    const { world, log } = fakeWorld(clock);
    const { deps, journal, planned } = setUp(world, clock);
    // The drill's process dies once the service runs on the standby: the journal says "switched".
    let crashed: Drill | undefined;
    const run = runDrill({ ...deps, onChange: (drill) => { if (drill.state === "switched") { crashed = drill; throw new Error("kill -9"); } } }, planned).catch(() => undefined);
    for (let i = 0; i < 100 && crashed === undefined; i++) await clock.advance(250);
    await run;
    expect(journal.unfinished().map((drill) => drill.state)).toEqual(["switched"]);
    const settled = await drive(clock, settleDrill(deps, journal.unfinished()[0]!));
    expect(settled).toMatchObject({ state: "finished", outcome: "interrupted" });
    expect(settled.summary).toMatch(/interrupted in state switched: restored on the next start; app serves from a again/);
    expect(log.slice(-2)).toEqual(["undo", "failback"]);
    expect(journal.unfinished()).toEqual([]);
  });
});
