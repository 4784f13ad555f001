import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { buildTopology, type Check, type Topology } from "../model/topology.js";
import type { ProbeResult } from "../probes/probe.js";
import { FakeClock } from "./clock.js";
import { createAgentEvents, type CheckResultEvent } from "./events.js";
import { Scheduler, type ProbeRunner } from "./scheduler.js";

const SECOND = 1000;

/** `count` services on one host, each with one command check using `check` scheduling keys. */
function topology(count: number, check: string, agents = ""): Topology {
  const services = Array.from({ length: count }, (_, i) => `  s${i}:\n    runs_on: [H1]\n    checks:\n      - { command: ["true"], ${check} }`).join("\n");
  const loaded = parseConfig(`version: 1\nhosts:\n  H1: { address: 10.0.0.1 }\nservices:\n${services}\n${agents}`, "test.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

const ok = (latencyMs = 0): ProbeResult => ({ ok: true, message: "fine", latencyMs });

/** A probe that takes `ms` of (fake) time and honours its abort signal, as the contract asks. */
function slowProbe(clock: FakeClock, ms: number): ProbeRunner {
  return (_check, signal) => new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(ok(ms)), ms);
    signal.addEventListener("abort", () => {
      clock.clearTimeout(timer);
      resolve({ ok: false, reason: "timeout", message: "aborted", latencyMs: 0 });
    });
  });
}

/** Seeded so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

let running: Scheduler | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function start(clock: FakeClock, topo: Topology, run: ProbeRunner, random?: () => number) {
  const events = createAgentEvents();
  const results: CheckResultEvent[] = [];
  const overruns: string[] = [];
  events.on("check.result", (event) => void results.push(event));
  events.on("check.overrun", (event) => void overruns.push(event.check.name));
  const scheduler = new Scheduler({ topology: topo, clock, events, run, ...(random ? { random } : {}) });
  running = scheduler;
  scheduler.start();
  return { scheduler, results, overruns, events };
}

describe("scheduler", () => {
  it("runs a check at once on runNow, outside its grid, and once more when asked while it runs", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { scheduler, results } = start(clock, topology(2, "interval: 1h"), slowProbe(clock, 1_000));
    await clock.advance(10 * SECOND);
    expect(results.map((r) => r.check.name)).toEqual(["s0/command", "s1/command"]);
    scheduler.runNow(["s1/command", "nosuch"]);
    await clock.advance(SECOND);
    expect(results.map((r) => [r.check.name, r.startedAt - t0])).toEqual([["s0/command", 0], ["s1/command", 0], ["s1/command", 10 * SECOND]]);
    // Asked twice while running: one more run after this one, not two at once.
    scheduler.runNow(["s0/command"]);
    scheduler.runNow(["s0/command"]);
    await clock.advance(100);
    scheduler.runNow(["s0/command"]);
    await clock.advance(5 * SECOND);
    expect(results.slice(3).map((r) => [r.check.name, r.startedAt - t0])).toEqual([["s0/command", 11 * SECOND], ["s0/command", 12 * SECOND]]);
    // The grid did not move: the next planned runs are at the hour.
    await clock.advance(3_600 * SECOND - 15 * SECOND);
    expect(results.slice(5).map((r) => [r.check.name, r.startedAt - t0])).toEqual([["s0/command", 3_600 * SECOND], ["s1/command", 3_600 * SECOND]]);
    expect(scheduler.stats().overruns).toBe(0);
  });

  it("runs each check every interval, each run within [planned, planned + jitter]", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { results } = start(clock, topology(3, "interval: 30s, jitter: 5s"), slowProbe(clock, 100), lcg(7));
    await clock.advance(30 * 60 * SECOND - 1);
    for (const name of ["s0/command", "s1/command", "s2/command"]) {
      const starts = results.filter((r) => r.check.name === name).map((r) => r.startedAt - t0);
      expect(starts).toHaveLength(60);
      starts.forEach((at, n) => {
        expect(at).toBeGreaterThanOrEqual(n * 30 * SECOND);
        expect(at).toBeLessThanOrEqual(n * 30 * SECOND + 5 * SECOND);
      });
      // The jitter really varies (it is not a constant offset).
      expect(new Set(starts.map((at, n) => at - n * 30 * SECOND)).size).toBeGreaterThan(10);
    }
  });

  it("never runs a check twice at once: a slow run makes the next one an overrun, counted", async () => {
    const clock = new FakeClock();
    let concurrent = 0;
    let most = 0;
    const probe = slowProbe(clock, 45 * SECOND);
    const run: ProbeRunner = async (check, signal) => {
      most = Math.max(most, ++concurrent);
      try {
        return await probe(check, signal);
      } finally {
        concurrent--;
      }
    };
    const { scheduler, results, overruns } = start(clock, topology(1, "interval: 30s, timeout: 1m"), run);
    await clock.advance(10 * 60 * SECOND);
    expect(most).toBe(1);
    // Runs at 0, 60, 120…: each run spans the slot after it, which is skipped and said so.
    expect(results.length).toBe(10);
    expect(overruns.length).toBe(10);
    expect(scheduler.stats().overruns).toBe(10);
    expect(scheduler.checkStats()).toEqual([{ check: "s0/command", runs: 11, overruns: 10 }]);
  });

  it("with concurrency 2, ten checks all run every interval; the wait is measured as lag, nothing dropped", async () => {
    const clock = new FakeClock();
    let concurrent = 0;
    let most = 0;
    const probe = slowProbe(clock, 2 * SECOND);
    const run: ProbeRunner = async (check, signal) => {
      most = Math.max(most, ++concurrent);
      try {
        return await probe(check, signal);
      } finally {
        concurrent--;
      }
    };
    const { scheduler, results } = start(clock, topology(10, "interval: 30s", "agents: { concurrency: 2 }"), run);
    await clock.advance(10 * 30 * SECOND - 1);
    expect(most).toBe(2);
    expect(results).toHaveLength(100);
    for (let i = 0; i < 10; i++) expect(results.filter((r) => r.check.name === `s${i}/command`)).toHaveLength(10);
    // Five pairs per interval: lags of 0, 2, 4, 6 and 8 seconds, each seen by two checks.
    expect(new Set(results.map((r) => r.lagMs))).toEqual(new Set([0, 2000, 4000, 6000, 8000]));
    expect(results.every((r) => r.lagMs === r.startedAt - r.scheduledAt)).toBe(true);
    const stats = scheduler.stats();
    expect(stats).toMatchObject({ runs: 100, overruns: 0, missed: 0, lagP50Ms: 4000, lagP99Ms: 8000, lagMaxMs: 8000 });
  });

  it("is a lot slower with concurrency 1 and then says so: overruns, never silence", async () => {
    const clock = new FakeClock();
    const { scheduler, results, overruns } = start(clock, topology(10, "interval: 30s", "agents: { concurrency: 1 }"), slowProbe(clock, 5 * SECOND));
    await clock.advance(5 * 60 * SECOND);
    const stats = scheduler.stats();
    // 10 × 5s of work per 30s interval cannot fit in one lane: every due run is started, waiting or counted as skipped.
    expect(stats.runs + stats.queued + stats.overruns).toBe(10 * 11);
    expect(stats.overruns).toBeGreaterThan(0);
    expect(overruns.length).toBe(stats.overruns);
    expect(results.length).toBeGreaterThan(0);
  });

  it("does not drift: run n starts at start + n × interval, over 1000 intervals", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { results } = start(clock, topology(1, "interval: 10s"), slowProbe(clock, 3 * SECOND));
    await clock.advance(1000 * 10 * SECOND - 1);
    expect(results).toHaveLength(1000);
    expect(results.every((r, n) => r.startedAt === t0 + n * 10 * SECOND)).toBe(true);
  });

  it("aborts a probe at its timeout through the signal", async () => {
    const clock = new FakeClock();
    const { results } = start(clock, topology(1, "interval: 30s, timeout: 3s"), slowProbe(clock, 20 * SECOND));
    await clock.advance(10 * SECOND);
    expect(results).toHaveLength(1);
    expect(results[0]!.result).toMatchObject({ ok: false, reason: "timeout" });
    expect(results[0]!.finishedAt - results[0]!.startedAt).toBe(3 * SECOND);
  });

  it("gives up on a probe that ignores its signal, and keeps the check from overlapping it", async () => {
    const clock = new FakeClock();
    const stuck: ProbeRunner = () => new Promise(() => {});
    const { results, overruns } = start(clock, topology(1, "interval: 10s, timeout: 2s"), stuck);
    await clock.advance(35 * SECOND);
    expect(results).toHaveLength(1);
    expect(results[0]!.result).toMatchObject({ ok: false, reason: "timeout" });
    expect(results[0]!.finishedAt - results[0]!.startedAt).toBe(3 * SECOND);
    expect(overruns).toHaveLength(3);
  });

  it("turns a probe that throws into a failed result and an error event", async () => {
    const clock = new FakeClock();
    const { results, events } = start(clock, topology(1, "interval: 10s"), () => Promise.reject(new Error("boom")));
    const errors: string[] = [];
    events.on("error", (e) => void errors.push(e.source));
    await clock.advance(15 * SECOND);
    expect(results.map((r) => r.result.reason)).toEqual(["error", "error"]);
    expect(errors).toEqual(["probe s0/command", "probe s0/command"]);
  });

  it("after a clock jump ahead runs once, not a burst of catch-up runs", async () => {
    const clock = new FakeClock();
    const { scheduler, results } = start(clock, topology(1, "interval: 10s"), slowProbe(clock, 100));
    await clock.advance(25 * SECOND);
    expect(results).toHaveLength(3);
    clock.jump(60 * 60 * SECOND);
    await clock.advance(10 * SECOND);
    expect(results).toHaveLength(4);
    await clock.advance(30 * SECOND);
    expect(results).toHaveLength(7);
    const stats = scheduler.stats();
    expect(stats.clockJumps).toBe(1);
    // The jump is not mistaken for an hour of lag.
    expect(stats.lagMaxMs).toBe(0);
  });

  it("after a clock jump back keeps running instead of pausing for the hour", async () => {
    const clock = new FakeClock();
    const { results } = start(clock, topology(1, "interval: 10s"), slowProbe(clock, 100));
    await clock.advance(25 * SECOND);
    clock.jump(-60 * 60 * SECOND);
    await clock.advance(40 * SECOND);
    expect(results).toHaveLength(7);
  });

  it("stop() aborts running probes and leaves no timer behind", async () => {
    const clock = new FakeClock();
    const aborted: Check[] = [];
    const run: ProbeRunner = (check, signal) => new Promise((resolve) => {
      signal.addEventListener("abort", () => {
        aborted.push(check);
        resolve({ ok: false, reason: "aborted", message: "stopped", latencyMs: 0 });
      });
    });
    const { scheduler } = start(clock, topology(3, "interval: 10s, timeout: 5s"), run);
    await clock.advance(1 * SECOND);
    expect(clock.pending()).toBeGreaterThan(0);
    await scheduler.stop();
    expect(aborted).toHaveLength(3);
    expect(clock.pending()).toBe(0);
  });
});
