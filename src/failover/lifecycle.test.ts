// A standby's whole life through the failover library, with fake steps: roles recorded after each run,
// a warm standby (checks failing by design) is a target and not a refusal, a switchover and a failback
// fence and sync before they promote, a failback refuses a primary that has not caught up (before
// fencing anything), and every rollback leaves the service served by a host it did not fence.
import { describe, expect, test } from "vitest";
import { readActiveHost } from "./active-host.js";
import { instanceState, writeInstanceState } from "./instance-states.js";
import { harness } from "./test-fixture.js";

const WARM = "{ mode: automatic, fence: { command: [systemctl, stop, hs] }, promote: { command: [systemctl, start, hs] }, min_interval: 1s, max_per_hour: 10 }";

function plannedOk(failovers: ReturnType<ReturnType<typeof harness>["failovers"]>, kind: "failover" | "failback", force = false) {
  const planned = failovers.plan({ service: "hs", kind, force, reason: "test" });
  if (!planned.ok) throw new Error(planned.message);
  return planned;
}

describe("a warm standby's life", () => {
  test("the natural config (a check on a standby stopped until promoted): not held by 'standby down', and it fails over", async () => {
    const h = harness(WARM);
    // vps is down; spare's checks fail too, because its service is stopped by design.
    const failovers = h.failovers({ instanceState: () => "down" });
    expect(failovers.stoppedByDesign("hs", "spare")).toBe(true);
    const planned = plannedOk(failovers, "failover");
    expect(planned.refusals).toEqual([]);
    expect((await failovers.run(planned.plan)).status).toBe("done");
    expect(instanceState(h.store, failovers["deps"].topology(), "hs", "spare")?.state).toBe("serving");
    expect(failovers.stoppedByDesign("hs", "spare")).toBe(false);
  });

  test("a hot standby (no promote) whose checks fail is still refused: it is really down", () => {
    const h = harness("{ mode: automatic }");
    const planned = plannedOk(h.failovers({ instanceState: () => "down" }), "failover");
    expect(planned.refusals.map((r) => r.guard)).toContain("standby-down");
  });

  test("roles after an unplanned failover: fence reached → catching-up; not reached → pending-fence; never receives while pending", async () => {
    const reached = harness(WARM);
    const failovers = reached.failovers();
    await failovers.run(plannedOk(failovers, "failover").plan);
    const topology = failovers["deps"].topology();
    expect(instanceState(reached.store, topology, "hs", "vps")?.state).toBe("catching-up");

    const cut = harness(WARM);
    cut.world.unreachable.add("vps");
    const cutFailovers = cut.failovers();
    const result = await cutFailovers.run(plannedOk(cutFailovers, "failover").plan);
    expect(result.status).toBe("done");
    expect(instanceState(cut.store, topology, "hs", "vps")).toMatchObject({ state: "pending-fence", reason: expect.stringMatching(/did not reach vps/) });
    // The unreachable fence was tried once, not twice: the retrier goes on after the run.
    expect(cutFailovers.journal.get(result.runId)!.steps.filter((s) => s.step === "fence")).toHaveLength(1);
  });

  test("failback refuses a primary that has not caught up, before fencing anything; warm after a replica shipped since its fence", async () => {
    const h = harness(WARM);
    let shippedAt: number | undefined;
    const replicas = { ageMs: async (_s: string, _h: string, now: number) => (shippedAt === undefined ? undefined : now - shippedAt) };
    const failovers = h.failovers({ instanceState: (_s, host) => (host === "spare" ? "up" : "down"), replicas });
    await failovers.run(plannedOk(failovers, "failover").plan);
    h.world.log.length = 0;
    await h.clock.advance(5_000);

    const early = plannedOk(failovers, "failback");
    expect(early.refusals.map((r) => r.guard)).toEqual(["standby-not-ready"]);
    expect(early.refusals[0]!.message).toMatch(/vps has not yet received the current data .*wait until understudy status shows it warm.*--force/);
    expect(h.world.log).toEqual([]);

    shippedAt = h.clock.now();
    expect(await failovers.refreshStates()).toEqual([{ service: "hs", host: "vps" }]);
    const ready = plannedOk(failovers, "failback");
    expect(ready.refusals).toEqual([]);
    // A planned move: fence the serving standby, ship its final snapshot, then promote the primary.
    expect(ready.plan.steps.map((s) => s.name)).toEqual(["fence", "sync", "check-replica", "promote", "verify", "switch", "notify"]);
    const result = await failovers.run(ready.plan);
    expect(result.status).toBe("done");
    expect(h.world.log.slice(0, 3)).toEqual(["fence", "sync", "check-replica"]);
    expect(readActiveHost(h.store, "hs")).toBe("vps");
  });

  test("a switchover (manual failover of a healthy primary) is planned: fence, sync, then promote", () => {
    const h = harness(WARM);
    const planned = plannedOk(h.failovers({ instanceState: () => "up" }), "failover");
    expect(planned.plan.planned).toBe(true);
    expect(planned.plan.steps.slice(0, 2).map((s) => `${s.name}:${s.required}`)).toEqual(["fence:true", "sync:true"]);
  });
});

describe("every rollback leaves the service served", () => {
  test("a switchover whose verify gives up: the target demoted, the fenced source restored, DNS never moved; the summary says so", async () => {
    const h = harness(WARM.replace("min_interval", "verify_timeout: 10s, min_interval"));
    h.world.standbyServes = false;
    const failovers = h.failovers({ instanceState: () => "up" });
    const running = failovers.run(plannedOk(failovers, "failover").plan);
    await h.clock.advance(30_000);
    const result = await running;
    expect(result.status).toBe("rolled-back");
    expect(h.world.running).toEqual(new Set(["vps"]));
    expect(h.world.dns).toBe("10.0.0.1");
    expect(h.world.log.filter((l) => l.startsWith("undo:"))).toEqual(["undo:restore:vps", "undo:demote:spare"]);
    expect(result.summary).toMatch(/verify failed .*; undone: vps restored \(its fence undone\), spare demoted \(its promote undone\): hs stays on vps/);
    expect(instanceState(h.store, failovers["deps"].topology(), "hs", "vps")?.state).toBe("serving");
  });

  test("a failed sync in a failback: the fenced standby is restored, the primary never promoted", async () => {
    const h = harness(WARM);
    const failovers = h.failovers({ instanceState: (_s, host) => (host === "spare" ? "up" : "down") });
    await failovers.run(plannedOk(failovers, "failover").plan);
    writeInstanceState(h.store, "hs", "vps", "warm", h.clock.now(), "caught up");
    await h.clock.advance(5_000);
    h.world.failing.set("sync", "unreachable");
    h.world.log.length = 0;
    const running = failovers.run(plannedOk(failovers, "failback").plan);
    await h.clock.advance(10_000);
    const result = await running;
    expect(result.status).toBe("rolled-back");
    expect(h.world.log).not.toContain("promote");
    expect(h.world.running.has("spare")).toBe(true);
    expect(h.world.dns).toBe("10.0.0.2");
    expect(result.summary).toMatch(/undone: spare restored/);
  });

  test("a restore that fails is said plainly, and the promoted target is left serving rather than demoted too", async () => {
    const h = harness(WARM.replace("min_interval", "verify_timeout: 5s, min_interval"));
    h.world.standbyServes = false;
    h.world.failingUndo.set("restore", "unreachable");
    const failovers = h.failovers({ instanceState: () => "up" });
    const running = failovers.run(plannedOk(failovers, "failover").plan);
    await h.clock.advance(30_000);
    const result = await running;
    expect(result.status).toBe("failed");
    expect(result.summary).toMatch(/vps restored \(its fence undone\) FAILED .*spare was left promoted/);
    expect(h.world.running.has("spare")).toBe(true);
  });
});

describe("crashes in the lifecycle's steps", () => {
  class Crash extends Error {}

  test("killed during promote, restarted past the resume window: the started promote is undone, the fence too, and the summary names the crash", async () => {
    const h = harness(WARM);
    const crashing = h.failovers({ afterStarted: (step) => { if (step === "promote") { h.world.running.add("spare"); throw new Crash(step); } } });
    await expect(crashing.run(plannedOk(crashing, "failover").plan)).rejects.toBeInstanceOf(Crash);
    h.clock.jump(3_600_000);
    const restarted = h.failovers();
    const [result] = await restarted.resume();
    expect(result?.status).toBe("rolled-back");
    expect(result?.summary).toMatch(/the agent stopped \(crash, kill or power loss\) during promote and was restarted 3600 s after the run began, too late to go on; undone: vps restored \(its fence undone\), spare demoted \(its promote undone\)/);
    expect(h.world.running).toEqual(new Set(["vps"]));
    expect(restarted.journal.get(result!.runId)!.summary).toBe(result?.summary);
  });

  test.each(["fence", "sync", "check-replica", "promote", "verify", "switch"] as const)("a switchover killed at %s and resumed at once ends done, and says it was resumed", async (crashAt) => {
    const h = harness(WARM);
    const up = () => "up" as const;
    const crashing = h.failovers({ instanceState: up, afterStarted: (step) => { if (step === crashAt) throw new Crash(step); } });
    await expect(crashing.run(plannedOk(crashing, "failover").plan)).rejects.toBeInstanceOf(Crash);
    const restarted = h.failovers({ instanceState: up });
    const [result] = await restarted.resume();
    expect(result?.status).toBe("done");
    expect(result?.summary).toMatch(new RegExp(`resumed: the agent stopped .* during ${crashAt}|the agent stopped .* during ${crashAt}, after the switch`));
    expect(h.world.log.filter((l) => l === "sync").length).toBeGreaterThanOrEqual(1);
    expect(readActiveHost(h.store, "hs")).toBe("spare");
    expect(instanceState(h.store, restarted["deps"].topology(), "hs", "vps")?.state).toBe("catching-up");
  });
});
