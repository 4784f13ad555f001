// An agent that follows another's run (etcd: the leader moved the service) knows the instance the run
// left was stopped by that run: seen serving again, it is a second primary to fence, not a standby that
// runs by design (a new leader used to inherit nothing and only warn).
import { describe, expect, test } from "vitest";
import { harness } from "./test-fixture.js";
import { InstanceState, readInstanceState, writeInstanceState } from "./instance-states.js";

describe("following another agent's move", () => {
  test("the instance the move left is catching up (stopped by a run), and the active host moves", () => {
    const h = harness("{ mode: automatic, promote: { command: [systemctl, start, hs] }, fence: { command: [systemctl, stop, hs] } }");
    const failovers = h.failovers();
    expect(failovers.stoppedByDesign("hs", "vps")).toBe(false);
    expect(failovers.follow("hs", "spare")).toBe(true);
    expect(failovers.activeHost("hs")).toBe("spare");
    expect(readInstanceState(h.store, "hs", "vps")?.state).toBe(InstanceState.catchingUp);
    expect(failovers.stoppedByDesign("hs", "vps")).toBe(true);
    // Following the same move again changes nothing.
    expect(failovers.follow("hs", "spare")).toBe(false);
  });

  test("a pending fence this agent knew of is kept, not softened to catching up", () => {
    const h = harness();
    const failovers = h.failovers();
    writeInstanceState(h.store, "hs", "vps", InstanceState.pendingFence, h.clock.now(), "fence timed out");
    failovers.follow("hs", "spare");
    expect(readInstanceState(h.store, "hs", "vps")?.state).toBe(InstanceState.pendingFence);
  });
});
