// The quorum's combination rules, as a person would check them: one vantage point's broken link is never
// a down verdict; a quorum is; too few agents decide nothing; quorum 1 with one agent is that agent.
import { describe, expect, it } from "vitest";
import { batches, decodeObservation, observationKey, parseObservationKey } from "../coord/observations.js";
import { combineVerdicts, explain } from "./quorum-verdicts.js";
import type { HealthState } from "./verdict.js";

const combine = (quorum: number, ...states: HealthState[]) => combineVerdicts(states, quorum);

describe("combining vantage points' verdicts (quorum 2 of 3)", () => {
  it("one agent saying down while the others see it up is up: its own link is broken", () => {
    expect(combine(2, "down", "up", "up")).toBe("up");
  });

  it("two of three saying down is down", () => {
    expect(combine(2, "down", "down", "up")).toBe("down");
    expect(combine(2, "down", "down", "down")).toBe("down");
  });

  it("doubt that no quorum settles is suspect", () => {
    expect(combine(2, "down", "suspect", "up")).toBe("suspect");
    expect(combine(2, "down", "up")).toBe("suspect");
  });

  it("a quorum passing while one still confirms recovery is recovering", () => {
    expect(combine(2, "down", "recovering", "up")).toBe("recovering");
    expect(combine(2, "recovering", "recovering", "down")).toBe("recovering");
    expect(combine(2, "recovering", "up", "up")).toBe("up");
  });

  it("fewer agents than the quorum decide nothing: unknown, or suspect when one doubts", () => {
    expect(combine(2, "up")).toBe("unknown");
    expect(combine(2, "down")).toBe("suspect");
    expect(combine(2)).toBe("unknown");
    expect(combine(3, "down", "down")).toBe("suspect");
  });

  it("an agent that has not looked yet (unknown) does not count", () => {
    expect(combine(2, "down", "unknown", "unknown")).toBe("suspect");
    expect(combine(2, "up", "up", "unknown")).toBe("up");
  });
});

describe("quorum 1", () => {
  it("with one agent, is exactly that agent's verdict", () => {
    for (const state of ["unknown", "up", "suspect", "down", "recovering"] as const) expect(combine(1, state)).toBe(state);
  });

  it("with three agents, any one saying down is down (what validate warns about)", () => {
    expect(combine(1, "down", "up", "up")).toBe("down");
  });
});

describe("the reason a quorum verdict gives", () => {
  it("names who agreed, the quorum, why the first of them thinks so, and who disagreed", () => {
    const byAgent = new Map([
      ["b", { state: "down" as const, at: 1, reason: "web/http failed (timeout: no answer in 10 s)" }],
      ["a", { state: "down" as const, at: 1, reason: "web/http failed (refused: connect)" }],
      ["c", { state: "up" as const, at: 1, reason: "web/http passed" }],
    ]);
    expect(explain("down", byAgent, 2)).toBe("down: a, b of 3 agents (quorum 2) (a: web/http failed (refused: connect)); up: c");
    expect(explain("unknown", new Map([["c", { state: "up" as const, at: 1, reason: "" }]]), 2)).toBe("unknown: 1 agent report, quorum 2; up: c");
  });
});

describe("observation keys and values", () => {
  it("round-trips an agent name holding a slash and a logical service's instance", () => {
    const key = observationKey("/understudy", "site/a", "mesh@*");
    expect(key).toBe("/understudy/observations/site/a/mesh@*");
    expect(parseObservationKey("/understudy", key)).toEqual({ agent: "site/a", instance: "mesh@*" });
    expect(parseObservationKey("/understudy", "/understudy/agents/a")).toBeUndefined();
    expect(parseObservationKey("/understudy", "/understudy/observations/a/no-instance")).toBeUndefined();
  });

  it("ignores values another version or a person wrote", () => {
    expect(decodeObservation('{"state":"down","at":5,"reason":"x"}')).toEqual({ state: "down", at: 5, reason: "x" });
    expect(decodeObservation('{"state":"sideways","at":5}')).toBeUndefined();
    expect(decodeObservation("not json")).toBeUndefined();
  });

  it("splits a burst into transactions etcd accepts (128 operations each)", () => {
    const sizes = batches(Array.from({ length: 300 }, (_, i) => i)).map((chunk) => chunk.length);
    expect(sizes).toEqual([128, 128, 44]);
  });
});
