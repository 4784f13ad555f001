// The chaos helpers (chaos.ts, chaos-check.ts) judged without a lab: the invariant checker catches a synthetic history breaking
// each invariant and passes one that keeps them all; the generator is reproducible from its seed and
// never leaves the envelope the system promises to survive.
import { describe, expect, it } from "vitest";
import { checkInvariants, type ChaosHistory, type JournalRun } from "./chaos-check.js";
import { generateSchedule, scheduleSeed, type ChaosEvent } from "./chaos.js";

const A = "10.1.0.10";
const B = "10.1.0.11";
const T0 = Date.parse("2026-01-01T00:00:00Z");

function run(overrides: Partial<JournalRun> & { steps?: JournalRun["steps"] }): JournalRun {
  return { agent: "a1", key: "a1#1", service: "app", token: 7, status: "done", from: "primary", to: "standby", startedAt: T0 + 3_000, steps: [], ...overrides };
}

const steps = (start: number, names = ["fence", "check-replica", "promote", "verify", "switch", "notify"]) =>
  names.map((step, index) => ({ step, attempt: 1, status: "done", startedAt: start + index * 100, finishedAt: start + index * 100 + 50 }));

/** One failure of the primary at T0+1 s, a failover by a1 from T0+3 s, the record moving at T0+3.5 s. */
function healthy(): ChaosHistory {
  return {
    addresses: { primary: A, standby: B },
    dns: [
      { at: T0, values: [A] },
      { at: T0 + 2_000, values: undefined },
      { at: T0 + 3_400, values: [A] },
      { at: T0 + 3_600, values: [B] },
      { at: T0 + 6_000, values: [B] },
    ],
    failures: [{ at: T0 + 1_000, host: "primary" }],
    runs: [
      run({ steps: steps(T0 + 3_000) }),
      // The same run as kept in etcd: counted once.
      run({ agent: "etcd", steps: steps(T0 + 3_000) }),
    ],
  };
}

describe("the invariant checker", () => {
  it("passes a history that keeps every invariant, counting one failover", () => {
    expect(checkInvariants(healthy())).toEqual({ violations: [], dnsFailovers: 1, completedRuns: 1 });
  });

  it("passes a deposed leader's fenced run followed by its successor's, tokens in order", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a1", key: "a1#1", token: 7, status: "fenced", steps: steps(T0 + 2_000, ["fence", "check-replica"]) }),
      run({ agent: "a2", key: "a2#1", token: 9, startedAt: T0 + 2_900, steps: steps(T0 + 3_000) }),
    ];
    expect(checkInvariants(history).violations).toEqual([]);
  });

  it("catches an answer that is not exactly one instance", () => {
    const history = healthy();
    history.dns.push({ at: T0 + 7_000, values: [A, B] }, { at: T0 + 7_200, values: [] });
    const { violations } = checkInvariants(history);
    expect(violations.map((v) => v.invariant)).toEqual(["dns-answer", "dns-answer"]);
    expect(violations[0]!.message).toContain("10.1.0.10, 10.1.0.11");
  });

  it("catches the record moving without a failure (one agent's broken link failing the service over)", () => {
    const history = healthy();
    history.failures = [];
    history.runs = [];
    const { violations } = checkInvariants(history);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: "dns-failover-per-failure" });
    expect(violations[0]!.message).toMatch(/moved from primary to standby without a failure of primary/);
  });

  it("catches a flap: two moves of the record for one failure", () => {
    const history = healthy();
    history.dns.push({ at: T0 + 7_000, values: [A] });
    const { violations } = checkInvariants(history);
    expect(violations.map((v) => v.invariant)).toEqual(["dns-failover-per-failure"]);
    expect(violations[0]!.message).toMatch(/from standby to primary/);
  });

  it("catches a move explained only by a failure that came after it", () => {
    const history = healthy();
    history.failures = [{ at: T0 + 5_000, host: "primary" }];
    expect(checkInvariants(history).violations.map((v) => v.invariant)).toContain("dns-failover-per-failure");
  });

  it("catches a run that began with no failure, and two completed runs for one failure", () => {
    const noFailure = healthy();
    noFailure.runs.push(run({ key: "a3#1", agent: "a3", status: "rolled-back", from: "standby", to: "primary", startedAt: T0 + 9_000, steps: [] }));
    expect(checkInvariants(noFailure).violations).toEqual([expect.objectContaining({ invariant: "run-per-failure", message: expect.stringMatching(/with no failure of standby/) })]);

    const twice = healthy();
    twice.runs.push(run({ key: "a2#1", agent: "a2", token: 9, startedAt: T0 + 8_000, steps: steps(T0 + 8_000) }));
    expect(checkInvariants(twice).violations).toEqual([expect.objectContaining({ invariant: "run-per-failure", message: expect.stringMatching(/second completed failover/) })]);
  });

  it("catches two agents acting with different tokens at overlapping times", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a1", key: "a1#1", token: 7, status: "fenced", steps: [{ step: "promote", attempt: 1, status: "done", startedAt: T0 + 3_000, finishedAt: T0 + 4_000 }] }),
      run({ agent: "a2", key: "a2#1", token: 9, steps: [{ step: "switch", attempt: 1, status: "done", startedAt: T0 + 3_500, finishedAt: T0 + 3_600 }] }),
    ];
    const { violations } = checkInvariants(history);
    expect(violations.map((v) => v.invariant)).toEqual(["fencing-overlap"]);
    expect(violations[0]!.message).toMatch(/promote of run a1#1 \(a1, token 7.*overlaps switch of run a2#1 \(a2, token 9/);
  });

  it("lets a deposed leader's read (verify) in flight through its pause overlap its successor's acts, but not an act", () => {
    const history = healthy();
    const reading = run({ agent: "a1", key: "a1#1", token: 7, status: "fenced", steps: [{ step: "verify", attempt: 1, status: "failed", startedAt: T0 + 3_000, finishedAt: T0 + 6_000 }] });
    history.runs = [reading, run({ agent: "a2", key: "a2#1", token: 9, steps: steps(T0 + 4_000, ["promote", "verify", "switch"]) })];
    expect(checkInvariants(history).violations).toEqual([]);
    reading.steps[0]!.step = "fence";
    expect(checkInvariants(history).violations.map((v) => v.invariant)).toContain("fencing-overlap");
  });

  it("catches a deposed leader acting after its successor began", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a2", key: "a2#1", token: 9, steps: steps(T0 + 3_000, ["fence", "promote"]) }),
      run({ agent: "a1", key: "a1#1", token: 7, status: "fenced", steps: [{ step: "switch", attempt: 1, status: "done", startedAt: T0 + 5_000, finishedAt: T0 + 5_100 }] }),
    ];
    const { violations } = checkInvariants(history);
    expect(violations.map((v) => v.invariant)).toEqual(["fencing-order"]);
    expect(violations[0]!.message).toMatch(/switch of run a1#1 \(a1, token 7.*started after fence of run a2#1 \(a2, token 9/);
  });

  it("with leadership terms: a successor's adopted copy of a step (its own token, a few ms off) is not its act", () => {
    const history = healthy();
    const promote = { step: "promote", attempt: 1, startedAt: T0 + 3_000 };
    history.runs = [
      run({ agent: "a1", token: 7, status: "fenced", steps: [{ ...promote, status: "done", finishedAt: T0 + 4_000 }] }),
      // a2 adopted the run from etcd (stamped at commit, 5 ms earlier) and retokened it, then finished it.
      run({ agent: "a2", token: 9, steps: [{ ...promote, startedAt: promote.startedAt - 5, status: "started", finishedAt: undefined }, ...steps(T0 + 8_000, ["promote", "switch"])] }),
    ];
    history.terms = [{ agent: "a1", token: 7, from: T0 + 2_000, to: T0 + 4_100 }, { agent: "a2", token: 9, from: T0 + 7_500, to: undefined }];
    expect(checkInvariants(history).violations).toEqual([]);
    // Without the terms the copy looks like a2 acting under token 9 before a1's step under 7: caught.
    delete history.terms;
    expect(checkInvariants(history).violations.map((v) => v.invariant)).toEqual(["fencing-order"]);
  });

  it("with leadership terms: catches a step journaled outside every term of its agent, and takes the term's token", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a1", token: 7, status: "fenced", steps: steps(T0 + 3_000, ["fence", "promote"]) }),
      run({ agent: "a1", key: "a1#2", token: 7, status: "fenced", startedAt: T0 + 6_000, steps: steps(T0 + 6_000, ["switch"]) }),
    ];
    history.terms = [{ agent: "a1", token: 7, from: T0 + 2_000, to: T0 + 5_000 }];
    expect(checkInvariants(history).violations).toEqual([expect.objectContaining({ invariant: "fencing-term", message: expect.stringMatching(/a1 journaled switch \(attempt 1\) of run a1#2 at .* while not leading/) })]);

    // A run retokened to 9 after a1 led again: its steps under the first term still hold 7, so a2's
    // token-8 step between the terms is in order.
    const retokened = healthy();
    retokened.runs = [
      run({ agent: "a1", token: 9, steps: [...steps(T0 + 3_000, ["fence"]), ...steps(T0 + 9_000, ["promote", "switch"])] }),
      run({ agent: "a2", key: "a2#1", token: 8, status: "fenced", startedAt: T0 + 6_000, steps: steps(T0 + 6_000, ["fence"]) }),
    ];
    retokened.terms = [{ agent: "a1", token: 7, from: T0 + 2_000, to: T0 + 4_000 }, { agent: "a2", token: 8, from: T0 + 5_000, to: T0 + 7_000 }, { agent: "a1", token: 9, from: T0 + 8_000, to: undefined }];
    expect(checkInvariants(retokened).violations).toEqual([]);
  });

  it("with terms: a step only etcd's copy holds (its leader wrote etcd, then was stopped before its own row) is that leader's act, not its adopter's", () => {
    const history = healthy();
    const five = steps(T0 + 3_000, ["fence", "check-replica", "promote", "verify", "switch"]);
    const notify = { step: "notify", attempt: 1, startedAt: T0 + 3_500 };
    history.runs = [
      // a1 committed "notify started" to etcd at +3.5 s and was stopped (SIGSTOP) 2 ms later.
      run({ agent: "a1", token: 7, status: "fenced", steps: five }),
      run({ agent: "etcd", token: 9, steps: [...five, { ...notify, status: "done", finishedAt: T0 + 8_100 }] }),
      // a2 led from +8 s, adopted the run with that step and finished it.
      run({ agent: "a2", token: 9, steps: [...five, { ...notify, status: "done", finishedAt: T0 + 8_100 }] }),
    ];
    // The end etcd records is a2's: a2 sending the notification again meanwhile is no overlap.
    history.runs[2]!.steps.push({ step: "notify", attempt: 2, status: "done", startedAt: T0 + 8_050, finishedAt: T0 + 8_090 });
    history.terms = [{ agent: "a1", token: 7, from: T0 + 2_000, to: T0 + 9_000 }, { agent: "a2", token: 9, from: T0 + 8_000, to: undefined }];
    history.pauses = [{ agent: "a1", from: T0 + 3_502, to: T0 + 8_900 }];
    expect(checkInvariants(history).violations).toEqual([]);

    // Committed when a1 was already stopped: nobody led then, so a2's copy is a2 acting unled.
    history.pauses = [{ agent: "a1", from: T0 + 3_460, to: T0 + 8_900 }];
    expect(checkInvariants(history).violations).toEqual([expect.objectContaining({ invariant: "fencing-term", message: expect.stringMatching(/a2 journaled notify \(attempt 1\) of run a1#1 .* while not leading/) })]);
  });

  it("with terms and pauses: a copy dated inside its agent's pause is not its act, though its logged term spans it", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a2", token: 9, steps: steps(T0 + 5_000, ["promote", "switch"]) }),
      // a1 was stopped from +4 s to +8 s (its term, as logged, ran on), then led again and adopted a2's run.
      run({ agent: "a1", token: 11, steps: steps(T0 + 5_000, ["promote", "switch"]) }),
    ];
    history.terms = [{ agent: "a1", token: 7, from: T0 + 2_000, to: T0 + 8_500 }, { agent: "a2", token: 9, from: T0 + 4_800, to: T0 + 9_000 }, { agent: "a1", token: 11, from: T0 + 9_500, to: undefined }];
    history.pauses = [{ agent: "a1", from: T0 + 4_000, to: T0 + 8_000 }];
    expect(checkInvariants(history).violations).toEqual([]);
    delete history.pauses;
    expect(checkInvariants(history).violations.map((v) => v.invariant)).toContain("fencing-overlap");
  });

  it("treats a step its agent died in as an instant at its start", () => {
    const history = healthy();
    history.runs = [
      run({ agent: "a1", key: "a1#1", token: 7, status: "running", steps: [{ step: "promote", attempt: 1, status: "started", startedAt: T0 + 2_000, finishedAt: undefined }] }),
      run({ agent: "a2", key: "a2#1", token: 9, steps: steps(T0 + 3_000) }),
    ];
    expect(checkInvariants(history).violations).toEqual([]);
  });
});

describe("the schedule generator", () => {
  const options = { agents: ["a1", "a2", "a3"], etcdMembers: 3, quorum: 2 };

  it("gives the same schedule for the same seed, and different ones for different seeds", () => {
    expect(generateSchedule(42, options)).toEqual(generateSchedule(42, options));
    const distinct = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(generateSchedule(scheduleSeed(42, i), options).events)));
    expect(distinct.size).toBeGreaterThan(15);
  });

  it("stays within the envelope, and its settle events undo all but the service's failure", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const schedule = generateSchedule(scheduleSeed(7, i), options);
      const cutService = new Set<string>();
      const cutEtcd = new Set<string>();
      const paused = new Set<string>();
      const killed = new Set<string>();
      const pausedMembers = new Set<number>();
      let failed = false;
      const apply = (event: ChaosEvent) => {
        seen.add(event.kind);
        switch (event.kind) {
          case "partition-service": expect(cutService.has(event.agent)).toBe(false); cutService.add(event.agent); break;
          case "partition-etcd": expect(event.members.length).toBeGreaterThan(0); cutEtcd.add(event.agent); break;
          case "heal": expect(cutService.has(event.agent) || cutEtcd.has(event.agent)).toBe(true); cutService.delete(event.agent); cutEtcd.delete(event.agent); break;
          case "pause-agent": expect(paused.has(event.agent) || killed.has(event.agent)).toBe(false); paused.add(event.agent); break;
          case "resume-agent": expect(paused.delete(event.agent)).toBe(true); break;
          case "kill-agent": expect(paused.has(event.agent) || killed.has(event.agent)).toBe(false); killed.add(event.agent); break;
          case "restart-agent": expect(killed.delete(event.agent)).toBe(true); break;
          case "fail-service": expect(failed).toBe(false); failed = true; break;
          case "restore-service": expect(failed).toBe(true); failed = false; break;
          case "pause-etcd": expect(pausedMembers.size).toBe(0); pausedMembers.add(event.member); break;
          case "resume-etcd": expect(pausedMembers.delete(event.member)).toBe(true); break;
        }
        // Never more agents cut from the service than the quorum can outvote.
        expect(cutService.size).toBeLessThanOrEqual(options.agents.length - options.quorum);
      };
      schedule.events.forEach((planned, index) => {
        if (index > 0) expect(planned.atMs).toBeGreaterThan(schedule.events[index - 1]!.atMs);
        apply(planned.event);
      });
      schedule.settle.forEach(apply);
      expect([cutService.size, cutEtcd.size, paused.size, killed.size, pausedMembers.size]).toEqual([0, 0, 0, 0, 0]);
    }
    expect([...seen].sort()).toEqual(["fail-service", "heal", "kill-agent", "partition-etcd", "partition-service", "pause-agent", "pause-etcd", "restart-agent", "restore-service", "resume-agent", "resume-etcd"]);
  });
});
