import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "./db.js";
import { addEncoded, bucketOf, emptyCounts } from "./histogram.js";
import { insertResults, type CheckResult } from "./results.js";
import { readRollups, rollUp, type Rollup } from "./rollups.js";

const T0 = Date.UTC(2026, 2, 1, 10);
const MINUTE = 60_000;
const HOUR = 3_600_000;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "understudy-rollups-"));
  store = openStore(join(dir, "understudy.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What a rollup row must hold, recomputed from the results themselves. */
function expected(results: readonly CheckResult[], ids: ReadonlyMap<string, number>, unit: number): object[] {
  const groups = new Map<string, CheckResult[]>();
  for (const result of results) {
    const key = `${ids.get(result.check)}:${Math.floor(result.at / unit) * unit}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups].map(([key, rows]) => {
    const [checkId, at] = key.split(":").map(Number) as [number, number];
    const latencies = rows.filter((r) => r.ok).map((r) => Math.round(r.latencyMs * 1000));
    const histogram = emptyCounts();
    for (const us of latencies) histogram[bucketOf(us)]! += 1;
    return {
      checkId, at, count: rows.length, ok: latencies.length,
      latencySumUs: latencies.reduce((a, b) => a + b, 0),
      latencyMinUs: latencies.length ? Math.min(...latencies) : null,
      latencyMaxUs: latencies.length ? Math.max(...latencies) : null,
      histogram,
    };
  }).sort((a, b) => a.checkId - b.checkId || a.at - b.at);
}

const decoded = (rows: Rollup[]): object[] => rows.map((row) => ({ ...row, histogram: addEncoded(emptyCounts(), row.histogram) }));

describe("rollups", () => {
  it("equal a recomputation from raw, including results that arrive after their minute was rolled up", () => {
    const next = random(42);
    const checks = ["a/http", "b/tcp", "c/dns"];
    const results: CheckResult[] = [];
    for (const check of checks) {
      for (let at = T0 + Math.floor(next() * 20_000); at < T0 + 3 * HOUR; at += 5_000 + Math.floor(next() * 40_000)) {
        const ok = next() > 0.15;
        results.push({ check, service: check.split("/")[0]!, host: "H1", agent: "a1", at, ok, latencyMs: Math.round(next() * 2_000_000) / 1000, reason: ok ? undefined : "timeout" });
      }
    }
    // Written in time order in batches, rolling up as an agent would; every 7th result arrives 20 minutes late.
    const onTime = results.filter((_, i) => i % 7 !== 0).sort((a, b) => a.at - b.at);
    const late = results.filter((_, i) => i % 7 === 0);
    for (let start = 0; start < onTime.length; start += 50) {
      const batch = onTime.slice(start, start + 50);
      const now = batch.at(-1)!.at;
      insertResults(store, [...batch, ...late.filter((r) => r.at <= now - 20 * MINUTE && r.at > now - 20 * MINUTE - 50 * 40_000)]);
      rollUp(store, now);
    }
    insertResults(store, late); // whatever is still missing; repeats are skipped
    rollUp(store, T0 + 5 * HOUR);

    const ids = new Map(store.db.prepare("SELECT name, id FROM checks").all().map((row) => [(row as { name: string }).name, (row as { id: number }).id]));
    expect(decoded(readRollups(store, "minute", 0, T0 + 5 * HOUR))).toEqual(expected(results, ids, MINUTE));
    expect(decoded(readRollups(store, "hour", 0, T0 + 5 * HOUR))).toEqual(expected(results, ids, HOUR));
  });

  it("leave the minutes still open to late results alone", () => {
    insertResults(store, [{ check: "a/http", service: "a", host: undefined, agent: "a1", at: T0 + 30_000, ok: true, latencyMs: 12 }]);
    rollUp(store, T0 + 2 * MINUTE, 2 * MINUTE);
    expect(readRollups(store, "minute", 0, T0 + HOUR)).toEqual([]);
    rollUp(store, T0 + 3 * MINUTE, 2 * MINUTE);
    expect(readRollups(store, "minute", 0, T0 + HOUR).map((row) => [row.at, row.count, row.latencySumUs])).toEqual([[T0, 1, 12_000]]);
  });
});
