// A run another process still runs is not resumed by this one (an agent restarted while a person's
// `understudy failover` runs would otherwise run the same steps beside it); once that process is gone,
// the run is orphaned and settled. A pid reused by a younger process is not taken for the owner.
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { harness } from "./test-fixture.js";
import { currentOwner, isSelf, ownerAlive, ownerOf } from "./owner.js";

function sleeper() {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, owner: ownerOf(child.pid!), stop: async () => { child.kill("SIGKILL"); await exited; } };
}

describe("who owns a failover run", () => {
  test("this process is its own owner and alive; a dead pid is not; another host cannot be told", async () => {
    expect(isSelf(currentOwner())).toBe(true);
    expect(ownerAlive(currentOwner())).toBe(true);
    const { owner, stop } = sleeper();
    expect(ownerAlive(owner)).toBe(true);
    await stop();
    expect(ownerAlive(owner)).toBe(false);
    expect(ownerAlive({ ...owner, host: "elsewhere.example" })).toBeUndefined();
  });

  test("a pid now held by a process that started at another time is not the owner", async () => {
    const { owner, stop } = sleeper();
    try {
      expect(owner.since).toBeDefined();
      expect(ownerAlive({ ...owner, since: owner.since! + 1 })).toBe(false);
      expect(ownerAlive({ ...owner, boot: "another-boot" })).toBe(false);
    } finally {
      await stop();
    }
  });

  test("a run a live process owns is left alone by resume; once that process is gone it is settled", async () => {
    const h = harness();
    const failovers = h.failovers();
    const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "a person's understudy failover" });
    if (!planned.ok) throw new Error(planned.message);
    const cli = sleeper();
    const runId = failovers.journal.begin({ ...planned.plan, owner: cli.owner }, 1, h.clock.now());
    expect(await failovers.resume()).toEqual([]);
    expect(failovers.orphaned()).toBe(false);
    expect(failovers.journal.unfinished().map((run) => run.id)).toEqual([runId]);
    expect(h.world.log).toEqual([]);

    await cli.stop();
    expect(failovers.orphaned()).toBe(true);
    const [result] = await failovers.resume();
    expect(result?.runId).toBe(runId);
    expect(failovers.journal.unfinished()).toEqual([]);
    expect(failovers.orphaned()).toBe(false);
  });

  test("a run this process begins records it as the owner", async () => {
    const h = harness();
    const failovers = h.failovers();
    const planned = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
    if (!planned.ok) throw new Error(planned.message);
    const result = await failovers.run(planned.plan);
    expect(isSelf(failovers.journal.get(result.runId)!.plan.owner!)).toBe(true);
  });
});
