// A run with fake steps: the journal holds a before and an after entry for each step; a failing
// required step rolls back; a crash (an exception right after a step's "before" entry) at every step
// leaves a journal from which a fresh process resumes to a consistent world.
import { describe, expect, test } from "vitest";
import { readActiveHost } from "./active-host.js";
import { LocalCoordinator } from "./coordinator.js";
import { harness } from "./test-fixture.js";
import { STEP_NAMES } from "./plan.js";

/** An unplanned failover's steps: no final sync. */
const UNPLANNED = STEP_NAMES.filter((name) => name !== "sync");

class Crash extends Error {}

function planned(h: ReturnType<typeof harness>, failovers = h.failovers()) {
  const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

describe("running a failover plan", () => {
  test("every step is journaled, DNS and the active host move, one notification says how long it took", async () => {
    const h = harness();
    const failovers = h.failovers();
    const result = await failovers.run(planned(h, failovers));
    expect(result.status).toBe("done");
    expect(h.world.dns).toBe("10.0.0.2");
    expect(readActiveHost(h.store, "hs")).toBe("spare");
    const run = failovers.journal.get(result.runId)!;
    expect(run.steps.map((step) => `${step.step}:${step.status}`)).toEqual(UNPLANNED.map((name) => `${name}:done`));
    expect(run.steps.every((step) => step.finishedAt !== undefined)).toBe(true);
    expect(h.world.log.filter((line) => line.startsWith("notify:"))).toEqual([expect.stringMatching(/^notify:done:hs failed over from vps to spare in \d+\.\d s$/)]);
  });

  test("every journal write is heard as progress, in order, ending with the run's status", async () => {
    const h = harness();
    const failovers = h.failovers();
    const heard: string[] = [];
    const off = failovers.journal.onChange((change) => heard.push(`${change.service}:${change.step ?? "run"}:${change.status}`));
    const result = await failovers.run(planned(h, failovers));
    off();
    expect(result.status).toBe("done");
    expect(heard).toEqual([
      "hs:run:running",
      ...["fence", "check-replica", "promote", "verify", "switch"].flatMap((step) => [`hs:${step}:started`, `hs:${step}:done`]),
      "hs:notify:started", "hs:notify:done",
      "hs:run:done",
    ]);
  });

  test("a standby that does not serve: verify retries for verify_timeout, then fails; DNS is never touched", async () => {
    const h = harness("{ mode: automatic, verify_timeout: 20s }");
    h.world.standbyServes = false;
    const failovers = h.failovers();
    const running = failovers.run(planned(h, failovers));
    await h.clock.advance(60_000);
    const result = await running;
    expect(result.status).toBe("rolled-back");
    expect(h.world.dns).toBe("10.0.0.1");
    expect(h.world.log).not.toContain("switch");
    expect(readActiveHost(h.store, "hs")).toBeUndefined();
    const verifies = failovers.journal.get(result.runId)!.steps.filter((step) => step.step === "verify");
    // A service that needs 8 s to listen is still being verified then (the old fixed patience was ~6 s).
    expect(verifies.at(-2)!.startedAt - verifies[0]!.startedAt).toBeGreaterThan(8_000);
    expect(verifies.at(-1)!.startedAt - verifies[0]!.startedAt).toBeLessThanOrEqual(20_000);
    expect(result.summary).toMatch(/verify_timeout is 20 s/);
  });

  test("a switch that fails puts the record back to the old address", async () => {
    const h = harness();
    h.world.failing.set("switch", "auth");
    const result = await h.failovers().run(planned(h));
    expect(result.status).toBe("rolled-back");
    expect(h.world.log).toContain("rollback");
    expect(h.world.dns).toBe("10.0.0.1");
  });

  test("a best-effort fence that fails is journaled and the run goes on; a required one stops it", async () => {
    const h = harness("{ mode: automatic, fence: { command: [systemctl, stop, hs] } }");
    h.world.failing.set("fence", "auth");
    expect((await h.failovers().run(planned(h))).status).toBe("done");

    const strict = harness("{ mode: automatic, fence: { command: [systemctl, stop, hs], required: true } }");
    strict.world.failing.set("fence", "auth");
    const result = await strict.failovers().run(planned(strict));
    expect(result.status).toBe("rolled-back");
    expect(strict.world.log).not.toContain("promote");
  });
});

describe("a crash at every step, then a restart", () => {
  const points = [...UNPLANNED];
  test.each(points)("crash right after the journal's 'before' entry of %s: the resumed run ends consistent", async (crashAt) => {
    const h = harness();
    const crashing = h.failovers({ afterStarted: (step) => { if (step === crashAt) throw new Crash(step); } });
    await expect(crashing.run(planned(h, crashing))).rejects.toBeInstanceOf(Crash);
    expect(crashing.journal.unfinished()).toHaveLength(1);

    // A new process: same store, no crash hook.
    const restarted = h.failovers();
    const [result] = await restarted.resume();
    expect(result?.status).toBe("done");
    expect(h.world.dns).toBe("10.0.0.2");
    expect(readActiveHost(h.store, "hs")).toBe("spare");
    expect(restarted.journal.unfinished()).toHaveLength(0);
    const run = restarted.journal.get(result!.runId)!;
    // The step that was in flight still shows "started": the record of what happened stays honest.
    expect(run.steps.filter((step) => step.status === "started").map((step) => step.step)).toEqual([crashAt]);
  });

  test.each(["promote", "verify", "switch"] as const)("crash at %s and the standby stopped serving meanwhile: DNS stays or returns to the old address", async (crashAt) => {
    const h = harness();
    const crashing = h.failovers({ afterStarted: (step) => { if (step === crashAt) throw new Crash(step); } });
    await expect(crashing.run(planned(h, crashing))).rejects.toBeInstanceOf(Crash);
    if (crashAt === "switch") h.world.dns = "10.0.0.2"; // the write reached the server before the crash
    h.world.standbyServes = false;
    const resuming = h.failovers().resume();
    await h.clock.advance(60_000);
    const [result] = await resuming;
    expect(result?.status).toBe("rolled-back");
    expect(h.world.dns).toBe("10.0.0.1");
    expect(readActiveHost(h.store, "hs")).toBeUndefined();
  });

  test("a run found long after its crash is rolled back, not continued", async () => {
    const h = harness();
    const crashing = h.failovers({ afterStarted: (step) => { if (step === "promote") throw new Crash(step); } });
    await expect(crashing.run(planned(h, crashing))).rejects.toBeInstanceOf(Crash);
    h.clock.jump(3_600_000);
    const [result] = await h.failovers().resume();
    expect(result?.status).toBe("rolled-back");
    expect(result?.summary).toMatch(/too late to go on/);
    expect(h.world.dns).toBe("10.0.0.1");
  });

  test("a crash during the rollback finishes the rollback on restart", async () => {
    const h = harness();
    h.world.failing.set("switch", "auth");
    const crashing = h.failovers({ afterStarted: (step) => { if (step === "rollback") throw new Crash(step); } });
    await expect(crashing.run(planned(h, crashing))).rejects.toBeInstanceOf(Crash);
    h.world.dns = "10.0.0.2";
    const [result] = await h.failovers().resume();
    expect(result?.status).toBe("rolled-back");
    expect(h.world.dns).toBe("10.0.0.1");
  });

  test("a later run fences an earlier one: the earlier stops at its next step", async () => {
    const h = harness();
    const failovers = h.failovers();
    const plan = planned(h, failovers);
    // The promote waits a second (as for a self-fence); meanwhile another process takes a token.
    const run = failovers.run({ ...plan, steps: plan.steps.map((step) => (step.name === "promote" ? { ...step, notBefore: h.clock.now() + 1_000 } : step)) });
    await h.clock.advance(10);
    await new LocalCoordinator(h.store, () => h.clock.now()).fencingToken("hs");
    await h.clock.advance(2_000);
    const result = await run;
    expect(result.status).toBe("fenced");
    expect(h.world.log).not.toContain("promote");
    expect(h.world.dns).toBe("10.0.0.1");
  });
});
