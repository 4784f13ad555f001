// The scheduler's lag window as the /metrics quantiles show it: percentiles of the recent runs only,
// exact below a second and within 0.8 % above, and a cost that does not grow with the rate of runs.
import { describe, expect, it } from "vitest";
import { LagWindow } from "./lag-window.js";

const MINUTE = 60_000;

describe("LagWindow", () => {
  it("reports zeros before any run", () => {
    expect(new LagWindow(15 * MINUTE).summary(0)).toEqual({ p50: 0, p99: 0, max: 0, count: 0 });
  });

  it("gives nearest-rank percentiles, exact to the millisecond below a second", () => {
    const window = new LagWindow(15 * MINUTE);
    for (let lag = 1; lag <= 1000; lag++) window.add(1000 + lag, lag);
    expect(window.summary(5000)).toEqual({ p50: 500, p99: 990, max: 1000, count: 1000 });
  });

  it("stays within 0.8 % of the true percentile for long lags, and keeps the max exact", () => {
    const window = new LagWindow(15 * MINUTE);
    const lags = Array.from({ length: 10_000 }, (_, i) => 1000 + i * 7.3);
    for (const lag of lags) window.add(0, lag);
    const sorted = [...lags].sort((a, b) => a - b);
    const { p50, p99, max } = window.summary(0);
    const p50True = sorted[4999]!;
    const p99True = sorted[9899]!;
    expect(p50).toBeLessThanOrEqual(p50True);
    expect(p50).toBeGreaterThan(p50True * 0.992);
    expect(p99).toBeLessThanOrEqual(p99True);
    expect(p99).toBeGreaterThan(p99True * 0.992);
    expect(max).toBe(sorted.at(-1));
  });

  it("forgets runs that have left the window, so an old stall does not stay in p99", () => {
    const window = new LagWindow(15 * MINUTE);
    for (let i = 0; i < 100; i++) window.add(i, 30_000);
    for (let i = 0; i < 100; i++) window.add(10 * MINUTE + i, 5);
    expect(window.summary(10 * MINUTE + 100).p99).toBeGreaterThan(30_000 * 0.992);
    const later = 17 * MINUTE;
    expect(window.summary(later)).toEqual({ p50: 5, p99: 5, max: 5, count: 100 });
  });

  it("counts every run of a window however many there are (one counter each, no sample kept)", () => {
    const window = new LagWindow(15 * MINUTE);
    // 1,000 runs a second for 20 minutes: the last 15 to 16 minutes are counted, nothing older.
    for (let at = 0; at < 20 * MINUTE; at += 1) window.add(at, at < 4 * MINUTE ? 10_000 : 20);
    const { count, p99, max } = window.summary(20 * MINUTE);
    expect(count).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(count).toBeLessThanOrEqual(16 * MINUTE);
    expect(p99).toBe(20);
    expect(max).toBe(20);
  });
});
