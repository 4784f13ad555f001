// Which agents are gone: members without a live card for longer than the grace, and what their
// incident says about the vantage points left.
import { describe, expect, it } from "vitest";
import { AgentAbsence, agentBack, vantageSummary } from "./agent-presence.js";

const members = ["h001", "h002", "h003"];

describe("agent presence", () => {
  it("counts the vantage points left against the quorum", () => {
    expect(vantageSummary({ members, live: ["h002", "h003"] }, 2)).toBe("2 of 3 vantage points left; quorum still possible");
    expect(vantageSummary({ members, live: ["h003"] }, 2)).toBe("1 of 3 vantage points left; quorum (2) lost: no failure can be confirmed, so nothing fails over");
  });

  it("says an agent is gone once its card has been missing for the grace, from when it was first missed", () => {
    const absence = new AgentAbsence();
    const presence = { members, live: ["h002", "h003"] };
    expect(absence.gone(presence, 10_000, 3_000, 2)).toEqual([]);
    expect(absence.gone(presence, 12_000, 3_000, 2)).toEqual([]);
    const [gone] = absence.gone(presence, 13_000, 3_000, 2);
    expect(gone).toMatchObject({ name: "h001", since: 10_000, notification: { key: "agent:h001", event: "opened", title: "agent h001 is gone: 2 of 3 vantage points left; quorum still possible" } });
    // Back, then missing again: the count starts over.
    expect(absence.gone({ members, live: members }, 14_000, 3_000, 2)).toEqual([]);
    expect(absence.gone(presence, 15_000, 3_000, 2)).toEqual([]);
    expect(absence.gone(presence, 18_000, 3_000, 2).map((agent) => agent.since)).toEqual([15_000]);
  });

  it("an agent stopped on purpose is no member, so it is never gone", () => {
    expect(new AgentAbsence().gone({ members: ["h002", "h003"], live: ["h002", "h003"] }, 99_000, 0, 2)).toEqual([]);
  });

  it("resolves with the count back", () => {
    expect(agentBack("h001", { members, live: members }, 2, 1_000, 61_000)).toMatchObject({ event: "resolved", title: "Resolved: agent h001 is back", body: "Agent h001 reaches etcd again: 3 of 3 vantage points; quorum still possible.", fields: { open_for_ms: 60_000 } });
  });
});
