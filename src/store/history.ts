// Reads over a time range: uptime and latency percentiles of a check or a service. Each stretch of the
// range is read from the finest data still kept for it: raw results, then minute rollups, then hour
// rollups. The marks line up on minute and hour boundaries, so the stretches neither overlap nor leave gaps;
// where rollups are read, the range's ends count whole minutes (or hours) starting inside it.
import type { Store } from "./db.js";
import { addEncoded, emptyCounts, quantileOf } from "./histogram.js";
import { getMark } from "./marks.js";
import { seriesIds, type SeriesSelector } from "./series.js";

type Source = "results" | "rollups_minute" | "rollups_hour";

interface Stretch {
  source: Source;
  from: number;
  to: number;
}

function stretches(store: Store, from: number, to: number): Stretch[] {
  const keptRaw = getMark(store, "kept.raw");
  const keptMinute = getMark(store, "kept.minute");
  const all: Stretch[] = [
    { source: "rollups_hour", from, to: Math.min(to, keptMinute) },
    { source: "rollups_minute", from: Math.max(from, keptMinute), to: Math.min(to, keptRaw) },
    { source: "results", from: Math.max(from, keptRaw), to },
  ];
  return all.filter((stretch) => stretch.to > stretch.from);
}

const IN_SERIES = "check_id IN (SELECT value FROM json_each(?)) AND at >= ? AND at < ?";

export interface Uptime {
  /** Results counted. */
  count: number;
  ok: number;
  /** ok / count; undefined when nothing was recorded in the range. */
  ratio: number | undefined;
}

/** The share of successful results of a check (or all of a service's checks) in [from, to). */
export function uptime(store: Store, selector: SeriesSelector, from: number, to: number): Uptime {
  const ids = seriesIds(store, selector);
  let count = 0;
  let ok = 0;
  for (const stretch of stretches(store, from, to)) {
    const sql = stretch.source === "results"
      ? `SELECT count(*) AS n, coalesce(sum(ok), 0) AS ok FROM results WHERE ${IN_SERIES}`
      : `SELECT coalesce(sum(count), 0) AS n, coalesce(sum(ok), 0) AS ok FROM ${stretch.source} WHERE ${IN_SERIES}`;
    const row = store.statement(sql).get(ids, stretch.from, stretch.to) as { n: number; ok: number };
    count += row.n;
    ok += row.ok;
  }
  return { count, ok, ratio: count === 0 ? undefined : ok / count };
}

export interface Percentiles {
  /** Successful results the figures are drawn from (failures have no meaningful latency). */
  samples: number;
  /** True when read from raw results only (exact); false when rollup histograms were used (within ~9%). */
  exact: boolean;
  /** Milliseconds, in the order of the quantiles asked for. */
  values: number[];
}

/** Latency percentiles (nearest rank) of the successful results in [from, to); undefined when there are none. */
export function latencyPercentiles(store: Store, selector: SeriesSelector, from: number, to: number, quantiles: readonly number[] = [0.5, 0.95, 0.99]): Percentiles | undefined {
  const ids = seriesIds(store, selector);
  const parts = stretches(store, from, to);
  if (parts.every((stretch) => stretch.source === "results")) {
    const latencies = parts.flatMap((stretch) =>
      (store.statement(`SELECT latency_us FROM results WHERE ${IN_SERIES} AND ok = 1`).pluck().all(ids, stretch.from, stretch.to) as number[]));
    if (latencies.length === 0) return undefined;
    latencies.sort((a, b) => a - b);
    const rank = (q: number): number => Math.min(latencies.length, Math.max(1, Math.ceil(q * latencies.length)));
    return { samples: latencies.length, exact: true, values: quantiles.map((q) => latencies[rank(q) - 1]! / 1000) };
  }
  const counts = emptyCounts();
  let min = Infinity;
  let max = -Infinity;
  for (const stretch of parts) {
    const sql = stretch.source === "results"
      ? `SELECT latency_histogram(latency_us) AS h, min(latency_us) AS lo, max(latency_us) AS hi FROM results WHERE ${IN_SERIES} AND ok = 1`
      : `SELECT merge_histograms(histogram) AS h, min(latency_min_us) AS lo, max(latency_max_us) AS hi FROM ${stretch.source} WHERE ${IN_SERIES}`;
    const row = store.statement(sql).get(ids, stretch.from, stretch.to) as { h: Buffer | null; lo: number | null; hi: number | null };
    addEncoded(counts, row.h);
    if (row.lo !== null) min = Math.min(min, row.lo);
    if (row.hi !== null) max = Math.max(max, row.hi);
  }
  const samples = counts.reduce((sum, count) => sum + count, 0);
  if (samples === 0) return undefined;
  return { samples, exact: false, values: quantiles.map((q) => quantileOf(counts, q, min, max)! / 1000) };
}

/**
 * When the run of failures that ends at `at` began: the first failed raw result after the last good one,
 * looking back at most `lookbackMs`; undefined when no result failed in that stretch.
 */
export function firstFailureBefore(store: Store, selector: SeriesSelector, at: number, lookbackMs: number): number | undefined {
  const ids = seriesIds(store, selector);
  const lastOk = store.statement(`SELECT max(at) FROM results WHERE ${IN_SERIES} AND ok = 1`).pluck().get(ids, at - lookbackMs, at + 1) as number | null;
  const first = store.statement(`SELECT min(at) FROM results WHERE ${IN_SERIES} AND ok = 0`).pluck().get(ids, (lastOk ?? at - lookbackMs - 1) + 1, at + 1) as number | null;
  return first ?? undefined;
}
