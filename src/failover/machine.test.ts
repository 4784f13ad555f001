// The failover state machine's paths, and a wrong path refused loudly.
import { describe, expect, test } from "vitest";
import { FailoverMachine, type Transition } from "./machine.js";

describe("failover state machine", () => {
  test("healthy → suspect → down → failing-over → serving-from-standby → failing-back → healthy", () => {
    const seen: Transition[] = [];
    const machine = new FailoverMachine("hs", "vps", "vps", (t) => seen.push(t));
    machine.suspect();
    machine.confirmDown();
    machine.startFailover();
    expect(machine.busy).toBe(true);
    machine.completeFailover("spare");
    expect(machine.active).toBe("spare");
    machine.startFailback();
    machine.completeFailback();
    expect(seen.map((t) => t.to)).toEqual(["suspect", "down", "failing-over", "serving-from-standby", "failing-back", "healthy"]);
    expect(machine.active).toBe("vps");
  });
  test("a blip clears; an aborted failover goes back to down; a restart on the standby starts there", () => {
    const machine = new FailoverMachine("hs", "vps", "vps");
    machine.suspect();
    machine.clearSuspicion();
    expect(machine.state).toBe("healthy");
    machine.confirmDown();
    machine.startFailover();
    machine.abortFailover(false);
    expect(machine.state).toBe("down");
    expect(new FailoverMachine("hs", "vps", "spare").state).toBe("serving-from-standby");
  });
  test("a transition from the wrong state is a bug, not a silent state", () => {
    const machine = new FailoverMachine("hs", "vps", "vps");
    expect(() => machine.completeFailover("spare")).toThrow(/bug: completeFailover from healthy/);
    expect(() => machine.startFailback()).toThrow(/bug: startFailback/);
  });
});
