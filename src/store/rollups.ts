// Per-minute and per-hour rollups of check results: count, ok count, latency sum/min/max and a log-scale
// latency histogram, so uptime and percentiles outlive the raw rows. Minutes are computed from raw,
// hours from minutes, up to marks that only move forward; a result arriving after its minute was rolled
// up re-rolls that minute (and hour) for its series, so rollups always equal a recomputation from raw.
import type { Store } from "./db.js";
import { floorTo, getMark, HOUR_MS, MINUTE_MS, setMark } from "./marks.js";
import { allSeriesIds } from "./series.js";

/** Results may be written this long after their time (a probe's timeout plus the writer's delay). */
export const DEFAULT_ROLLUP_LAG_MS = 2 * MINUTE_MS;

const MINUTES_FROM_RAW = `
  INSERT INTO rollups_minute (check_id, at, count, ok, latency_sum_us, latency_min_us, latency_max_us, histogram)
  SELECT check_id, (at / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, count(*), sum(ok),
         coalesce(sum(CASE WHEN ok THEN latency_us END), 0),
         min(CASE WHEN ok THEN latency_us END), max(CASE WHEN ok THEN latency_us END),
         latency_histogram(CASE WHEN ok THEN latency_us END)
  FROM results WHERE check_id = ? AND at >= ? AND at < ? GROUP BY minute`;

const HOURS_FROM_MINUTES = `
  INSERT INTO rollups_hour (check_id, at, count, ok, latency_sum_us, latency_min_us, latency_max_us, histogram)
  SELECT check_id, (at / ${HOUR_MS}) * ${HOUR_MS} AS hour, sum(count), sum(ok), sum(latency_sum_us),
         min(latency_min_us), max(latency_max_us), merge_histograms(histogram)
  FROM rollups_minute WHERE check_id = ? AND at >= ? AND at < ? GROUP BY hour`;

/** Recomputes one tier's rows in [from, to) for the given series (delete, then insert from the tier below). */
function rebuild(store: Store, tier: "minute" | "hour", ids: readonly number[], from: number, to: number): void {
  if (to <= from) return;
  const remove = store.statement(`DELETE FROM rollups_${tier} WHERE check_id = ? AND at >= ? AND at < ?`);
  const insert = store.statement(tier === "minute" ? MINUTES_FROM_RAW : HOURS_FROM_MINUTES);
  for (const id of ids) {
    remove.run(id, from, to);
    insert.run(id, from, to);
  }
}

/** Rolls up every complete minute older than `now - lagMs`, then every complete hour of those minutes. */
export function rollUp(store: Store, now: number, lagMs = DEFAULT_ROLLUP_LAG_MS): void {
  store.db.transaction(() => {
    const ids = allSeriesIds(store);
    const rolledMinute = getMark(store, "rolled.minute");
    const minuteTarget = floorTo(now - lagMs, MINUTE_MS);
    if (minuteTarget > rolledMinute) {
      rebuild(store, "minute", ids, Math.max(rolledMinute, getMark(store, "kept.raw")), minuteTarget);
      setMark(store, "rolled.minute", minuteTarget);
    }
    const rolledHour = getMark(store, "rolled.hour");
    const hourTarget = floorTo(Math.max(minuteTarget, rolledMinute), HOUR_MS);
    if (hourTarget > rolledHour) {
      rebuild(store, "hour", ids, Math.max(rolledHour, getMark(store, "kept.minute")), hourTarget);
      setMark(store, "rolled.hour", hourTarget);
    }
  })();
}

/**
 * Re-rolls the minutes and hours already rolled up that late results (at or after `from`) fall in.
 * Callers run it in the transaction that wrote those results.
 */
export function rollUpLate(store: Store, ids: readonly number[], from: number): void {
  const rolledMinute = getMark(store, "rolled.minute");
  if (from >= rolledMinute) return;
  rebuild(store, "minute", ids, Math.max(floorTo(from, MINUTE_MS), getMark(store, "kept.raw")), rolledMinute);
  const rolledHour = getMark(store, "rolled.hour");
  rebuild(store, "hour", ids, Math.max(floorTo(from, HOUR_MS), getMark(store, "kept.minute")), rolledHour);
}

export interface Rollup {
  checkId: number;
  at: number;
  count: number;
  ok: number;
  latencySumUs: number;
  latencyMinUs: number | null;
  latencyMaxUs: number | null;
  histogram: Buffer | null;
}

/** The rollup rows of one tier in [from, to), for inspection and tests. */
export function readRollups(store: Store, tier: "minute" | "hour", from: number, to: number): Rollup[] {
  return store.statement(`
    SELECT check_id AS checkId, at, count, ok, latency_sum_us AS latencySumUs, latency_min_us AS latencyMinUs,
           latency_max_us AS latencyMaxUs, histogram
    FROM rollups_${tier} WHERE at >= ? AND at < ? ORDER BY check_id, at`).all(from, to) as Rollup[];
}
