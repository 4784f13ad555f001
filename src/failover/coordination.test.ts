// Runs under a coordinator shared by several agents (SharedTerms, the unit tests' stand-in for etcd):
// each step's guard carries the run as journaled, the switch publishes the active host with it, a
// leader whose term ends mid-step performs no further step (not even a rollback of DNS), and the next
// leader, on another store, adopts the published run and finishes it.
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { readActiveHost } from "./active-host.js";
import { ownerOf } from "./owner.js";
import type { StepActions } from "./execute.js";
import { openStore } from "../store/db.js";
import { fakeActions, harness, SharedTerms } from "./test-fixture.js";
import type { Failovers } from "./failovers.js";

function planned(failovers: Failovers) {
  const result = failovers.plan({ service: "hs", kind: "failover", force: false, reason: "test" });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

/** a1 leads and is killed (kill -9) as its run of hs reaches promote: its journal and etcd hold the run unfinished. */
async function killedAtPromote() {
  const h = harness();
  const terms = new SharedTerms();
  terms.elect("a1");
  const a1Store = openStore(":memory:");
  const crashing = h.failovers({ coordinator: terms.coordinator("a1"), store: a1Store, afterStarted: (step) => { if (step === "promote") throw new Error("kill -9"); } });
  await expect(crashing.run(planned(crashing))).rejects.toThrow("kill -9");
  return { h, terms, a1Store, crashing };
}

describe("a run under a shared coordinator", () => {
  test("each step's commit carries the run with that step starting; the switch publishes the new active host", async () => {
    const h = harness();
    const terms = new SharedTerms();
    terms.elect("a1");
    const failovers = h.failovers({ coordinator: terms.coordinator("a1") });
    const result = await failovers.run(planned(failovers));
    expect(result.status).toBe("done");
    expect(terms.writes.map((write) => write.what)).toEqual([
      "commit fence", "publish running", "commit check-replica", "publish running", "commit promote", "publish running",
      "commit verify", "publish running", "commit switch", "publish running + active spare", "commit notify", "publish done",
    ]);
    expect(terms.active.get("hs")).toBe("spare");
    expect(terms.runs.get("hs")?.status).toBe("done");
  });

  test("a follower's run is refused before its first step", async () => {
    const h = harness();
    const terms = new SharedTerms();
    terms.elect("a2");
    const failovers = h.failovers({ coordinator: terms.coordinator("a1") });
    const result = await failovers.run(planned(failovers));
    expect(result.status).toBe("fenced");
    expect(result.summary).toMatch(/a2 leads/);
    expect(h.world.log).toEqual([]);
  });

  test("the term ends during promote: the step is aborted, nothing after it runs, DNS is not touched, the new leader finishes", async () => {
    const h = harness();
    const terms = new SharedTerms();
    terms.elect("a1");
    const real = fakeActions(h.world);
    let aborted = false;
    const hanging: StepActions = {
      ...real,
      run: (step, ctx) => step.name !== "promote" ? real.run(step, ctx) : new Promise((resolve) => ctx.signal.addEventListener("abort", () => {
        aborted = true;
        resolve({ status: "failed", reason: "aborted", output: "promote cut short" });
      })),
    };
    const first = h.failovers({ coordinator: terms.coordinator("a1"), actions: hanging });
    const running = first.run(planned(first));
    await h.clock.advance(10);
    expect(terms.runs.get("hs")?.steps.at(-1)).toMatchObject({ step: "promote", status: "started" });

    terms.elect("a2");
    const result = await running;
    expect(aborted).toBe(true);
    expect(result.status).toBe("fenced");
    expect(h.world.log).toEqual(["fence", "check-replica"]);
    expect(h.world.dns).toBe("10.0.0.1");
    expect(terms.writes.filter((write) => write.by === "a1" && write.token === 2)).toEqual([]);

    // a2 is another agent: its own store, the run adopted from what a1 published.
    const other = openStore(":memory:");
    const second = h.failovers({ coordinator: terms.coordinator("a2"), store: other });
    const [resumed] = await second.resume();
    expect(resumed?.status).toBe("done");
    expect(h.world.log).toEqual(["fence", "check-replica", "promote", "verify", "switch", expect.stringMatching(/^notify:done:/)]);
    expect(h.world.dns).toBe("10.0.0.2");
    expect(readActiveHost(other, "hs")).toBe("spare");
    expect(terms.runs.get("hs")).toMatchObject({ status: "done", token: 2 });
    expect(second.journal.list()).toHaveLength(1);
    // a1's journal says how its run ended; etcd's copy is what a2 finished.
    expect(first.journal.list()[0]?.status).toBe("fenced");
  });

  test("adopting the same run twice updates the journal's copy instead of adding one", async () => {
    const h = harness();
    const terms = new SharedTerms();
    terms.elect("a1");
    const failovers = h.failovers({ coordinator: terms.coordinator("a1") });
    await failovers.run(planned(failovers));
    const record = terms.runs.get("hs")!;
    const id = failovers.journal.adopt(record);
    expect(failovers.journal.adopt(record)).toBe(id);
    expect(failovers.journal.list()).toHaveLength(1);
    expect(failovers.journal.get(id)?.steps).toHaveLength(record.steps.length);
  });

  test("a leader killed mid-run that leads again after others moved on closes its stale copy untouched", async () => {
    const { h, terms, a1Store, crashing } = await killedAtPromote();
    expect(crashing.journal.unfinished()).toHaveLength(1);

    // a2 takes over and finishes it, then fails the service back later: etcd's latest run of hs is the failback.
    terms.elect("a2");
    const a2 = h.failovers({ coordinator: terms.coordinator("a2"), store: openStore(":memory:") });
    expect((await a2.resume())[0]?.status).toBe("done");
    await h.clock.advance(3_600_000);
    const back = a2.plan({ service: "hs", kind: "failback", force: true, reason: "primary back" });
    if (!back.ok) throw new Error(back.message);
    expect((await a2.run(back.plan)).status).toBe("done");
    const before = [...h.world.log];
    expect(h.world.dns).toBe("10.0.0.1");

    // a1 is back and leads again, its own journal still holding the first run as running.
    terms.elect("a1");
    const again = h.failovers({ coordinator: terms.coordinator("a1"), store: a1Store });
    const [closed] = await again.resume();
    expect(closed).toMatchObject({ status: "fenced", summary: expect.stringMatching(/superseded: etcd's latest run of hs is the failback spare → vps .*closed without acting/) });
    expect(h.world.log).toEqual(before);
    expect(h.world.dns).toBe("10.0.0.1");
    expect(again.journal.unfinished()).toEqual([]);
  });

  test("a leader killed mid-run and back as a follower settles its copy from etcd's, never acting", async () => {
    const { h, terms, a1Store } = await killedAtPromote();

    // a2 leads but has not resumed yet: etcd's copy is unfinished, the leader's to finish; a1 leaves its own.
    terms.elect("a2");
    const follower = h.failovers({ coordinator: terms.coordinator("a1"), store: a1Store });
    expect(follower.unsettled()).toBe(true);
    expect(await follower.settleAsFollower()).toEqual([]);
    expect(follower.journal.unfinished()).toHaveLength(1);
    expect(h.world.log).toEqual(["fence", "check-replica"]);

    // a2 finishes it: a1's copy takes etcd's end, its steps included.
    const a2 = h.failovers({ coordinator: terms.coordinator("a2"), store: openStore(":memory:") });
    expect((await a2.resume())[0]?.status).toBe("done");
    const log = [...h.world.log];
    const [settled] = await follower.settleAsFollower();
    expect(settled).toMatchObject({ status: "done", summary: expect.stringMatching(/^finished by the leader/) });
    expect(follower.journal.unfinished()).toEqual([]);
    expect(follower.journal.list()[0]).toMatchObject({ status: "done" });
    expect(follower.journal.list()[0]!.steps.map((step) => step.step)).toContain("switch");
    expect(follower.unsettled()).toBe(false);
    expect(h.world.log).toEqual(log);
  });

  test("a follower's copy of a run etcd never held (killed before its first step reached etcd) is closed untouched", async () => {
    const h = harness();
    const terms = new SharedTerms();
    terms.elect("a1");
    const a1Store = openStore(":memory:");
    const first = h.failovers({ coordinator: terms.coordinator("a1"), store: a1Store });
    // Begun by a person's `understudy failover` on the same data folder, before its first step reached
    // etcd: while that process lives, the run is its own.
    const cli = spawn("sleep", ["60"], { stdio: "ignore" });
    const cliGone = new Promise((resolve) => cli.once("exit", resolve));
    const runId = first.journal.begin({ ...planned(first), owner: ownerOf(cli.pid!) }, 1, h.clock.now());
    terms.elect("a2");
    const follower = h.failovers({ coordinator: terms.coordinator("a1"), store: a1Store });
    expect(await follower.settleAsFollower()).toEqual([]);
    expect(follower.journal.unfinished().map((run) => run.id)).toEqual([runId]);
    // That process killed (or the agent's own run, killed before the fence's commit): begun in the
    // journal, nothing in etcd.
    cli.kill("SIGKILL");
    await cliGone;
    const [closed] = await follower.settleAsFollower();
    expect(closed).toMatchObject({ status: "fenced", summary: expect.stringMatching(/etcd holds no run of hs; closed without acting/) });
    expect(follower.journal.unfinished()).toEqual([]);
    expect(h.world.log).toEqual([]);
  });

  test("a retry after the term ended is not attempted (a leader stopped through its retry wait)", async () => {
    const h = harness();
    h.world.standbyServes = false;
    const terms = new SharedTerms();
    terms.elect("a1");
    const failovers = h.failovers({ coordinator: terms.coordinator("a1") });
    const running = failovers.run(planned(failovers));
    await h.clock.advance(10);
    const verifies = () => failovers.journal.list()[0]!.steps.filter((step) => step.step === "verify").length;
    expect(verifies()).toBe(1);
    terms.elect("a2");
    await h.clock.advance(60_000);
    expect((await running).status).toBe("fenced");
    expect(verifies()).toBe(1);
    expect(h.world.dns).toBe("10.0.0.1");
  });
});
