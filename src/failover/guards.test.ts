// The guards a failover must pass: anti-flap, a standby that is itself down, maintenance; --force lifts them.
import { describe, expect, test } from "vitest";
import { failoverSettings } from "./config.js";
import { checkGuards, selfFenceDue, type GuardInput } from "./guards.js";

const MINUTE = 60_000;
const config = failoverSettings({ mode: "automatic", min_interval: 10 * MINUTE, max_per_hour: 2 });
const base: GuardInput = { now: 100 * MINUTE, config, previousRuns: [], target: "spare", targetState: "up", maintenance: undefined, leader: true, force: false };
const guards = (input: Partial<GuardInput>) => checkGuards({ ...base, ...input }).map((refusal) => refusal.guard);

describe("failover guards", () => {
  test("a first failover to a serving standby passes", () => {
    expect(guards({})).toEqual([]);
  });
  test("anti-flap: within min_interval of the last run, and at max_per_hour", () => {
    expect(guards({ previousRuns: [95 * MINUTE] })).toEqual(["min-interval"]);
    expect(guards({ previousRuns: [50 * MINUTE, 80 * MINUTE] })).toEqual(["max-per-hour"]);
    expect(guards({ previousRuns: [30 * MINUTE, 80 * MINUTE] })).toEqual([]);
  });
  test("a standby down by its checks, or a maintenance window, refuses", () => {
    expect(guards({ targetState: "down" })).toEqual(["standby-down"]);
    expect(guards({ maintenance: "sunday patching" })).toEqual(["maintenance"]);
  });
  test("--force lifts every guard but leadership", () => {
    expect(guards({ force: true, targetState: "down", previousRuns: [99 * MINUTE], maintenance: "w" })).toEqual([]);
    expect(guards({ force: true, leader: false })).toEqual(["not-leader"]);
  });
  test("self-fence: due only once self_fence_after has passed alone", () => {
    const fence = { self_fence_after: 20_000 };
    expect(selfFenceDue(0, 19_999, fence)).toBe(false);
    expect(selfFenceDue(0, 20_000, fence)).toBe(true);
    expect(selfFenceDue(undefined, 1e9, fence)).toBe(false);
  });
});
