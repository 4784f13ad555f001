import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { latencyPercentiles, uptime } from "./history.js";
import { insertResults, readResults, type CheckResult } from "./results.js";
import { pruneHistory } from "./retention.js";

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const HOUR = 3_600_000;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-history-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const http = { check: "web/http", service: "web", host: "H1", agent: "a1" };

/** Ten runs of web/http from agent a1, 6 s apart in the first minute; runs 3 and 7 time out. */
function seed(): void {
  const results: CheckResult[] = [];
  for (let i = 0; i < 10; i++) {
    const ok = i !== 3 && i !== 7;
    results.push({ ...http, at: T0 + i * 6_000, ok, latencyMs: ok ? 10 * (i + 1) : 10_000, reason: ok ? undefined : "timeout", message: ok ? "200 OK" : "no answer in 10s" });
  }
  results.push({ check: "web/tls", service: "web", host: "H1", agent: "a1", at: T0, ok: true, latencyMs: 5 });
  results.push({ check: "web/tls", service: "web", host: "H1", agent: "a1", at: T0 + 30_000, ok: true, latencyMs: 7 });
  results.push({ ...http, agent: "a2", at: T0 + 1_000, ok: false, latencyMs: 3, reason: "refused" });
  expect(insertResults(store, results)).toEqual({ inserted: 13, skipped: 0 });
}

// The successful latencies of web/http from a1 are 10, 20, 30, 50, 60, 70, 90, 100 ms.
describe("uptime and latency percentiles from raw results", () => {
  it("count results per check, per service, per agent and per range", () => {
    seed();
    const all = T0 + HOUR;
    expect(uptime(store, { check: "web/http", agent: "a1" }, T0, all)).toEqual({ count: 10, ok: 8, ratio: 0.8 });
    expect(uptime(store, { check: "web/http" }, T0, all)).toEqual({ count: 11, ok: 8, ratio: 8 / 11 });
    expect(uptime(store, { service: "web" }, T0, all)).toEqual({ count: 13, ok: 10, ratio: 10 / 13 });
    // Runs 1–4 (6 s … 24 s): run 3 failed.
    expect(uptime(store, { check: "web/http", agent: "a1" }, T0 + 6_000, T0 + 30_000)).toEqual({ count: 4, ok: 3, ratio: 0.75 });
    expect(uptime(store, { check: "nothing" }, T0, all)).toEqual({ count: 0, ok: 0, ratio: undefined });
  });

  it("give exact nearest-rank percentiles of the successful runs", () => {
    seed();
    const result = latencyPercentiles(store, { check: "web/http" }, T0, T0 + HOUR, [0.25, 0.5, 0.95, 0.99]);
    // 8 samples: ranks ⌈2⌉, ⌈4⌉, ⌈7.6⌉, ⌈7.92⌉ → 20, 50, 100, 100.
    expect(result).toEqual({ samples: 8, exact: true, values: [20, 50, 100, 100] });
    expect(latencyPercentiles(store, { check: "web/http" }, T0 + HOUR, T0 + 2 * HOUR)).toBeUndefined();
  });

  it("keep the reason and the failure's message", () => {
    seed();
    const failures = readResults(store, { check: "web/http", agent: "a1" }, T0, T0 + HOUR).filter((r) => !r.ok);
    expect(failures.map((r) => [r.at - T0, r.reason, r.message])).toEqual([[42_000, "timeout", "no answer in 10s"], [18_000, "timeout", "no answer in 10s"]]);
    const first = readResults(store, { check: "web/http", agent: "a1" }, T0, T0 + 1);
    expect(first).toEqual([{ ...http, at: T0, ok: true, latencyMs: 10, reason: undefined, message: undefined }]);
  });

  it("drop a repeated observation of the same series and millisecond", () => {
    seed();
    expect(insertResults(store, [{ ...http, at: T0, ok: false, latencyMs: 1 }])).toEqual({ inserted: 0, skipped: 1 });
  });
});

describe("the same reads once raw results are pruned", () => {
  const retention = { raw: 2 * DAY, minute: 14 * DAY, hour: 400 * DAY };

  it("read minute, then hour rollups with the same uptime and percentiles from the histogram", () => {
    seed();
    for (const now of [T0 + 3 * DAY, T0 + 20 * DAY]) {
      pruneHistory(store, now, retention);
      expect(readResults(store, { service: "web" }, T0, T0 + HOUR)).toEqual([]);
      expect(uptime(store, { check: "web/http", agent: "a1" }, T0, T0 + HOUR)).toEqual({ count: 10, ok: 8, ratio: 0.8 });
      expect(uptime(store, { service: "web" }, T0, T0 + DAY)).toEqual({ count: 13, ok: 10, ratio: 10 / 13 });
      const result = latencyPercentiles(store, { check: "web/http", agent: "a1" }, T0, T0 + HOUR, [0.5, 0.99]);
      // Buckets are 100µs·2^((b-1)/4) … 100µs·2^(b/4). 50 ms = 50 000 µs falls in b = 1 + ⌊4·log2(500)⌋ = 36,
      // reported as its middle 100·2^(35.5/4) µs; 100 ms falls in b = 40, middle 100·2^(39.5/4) µs.
      expect(result?.exact).toBe(false);
      expect(result?.samples).toBe(8);
      expect(result?.values[0]).toBeCloseTo((100 * 2 ** (35.5 / 4)) / 1000, 6);
      expect(result?.values[1]).toBeCloseTo((100 * 2 ** (39.5 / 4)) / 1000, 6);
    }
  });
});
