// The response-time line of a service's chart at the resolution that fits the window (issue 17): every
// raw result for the last hours, one point a minute for a day, one an hour beyond. A fresh service thus
// shows its line in a day's chart (a minute point per minute it ran), not one dot per hour. Each point is
// the mean latency of the successful results in its minute or hour, over all of the service's checks,
// read from the finest data still kept for it: raw results, then minute rollups, then hour rollups
// (store/marks.ts says from when each tier is complete).
import type { Store } from "../store/db.js";
import { getMark, HOUR_MS, MINUTE_MS } from "../store/marks.js";
import { seriesIds } from "../store/series.js";

export type Resolution = "raw" | "minute" | "hour";

/** Windows up to this long are drawn from raw results. */
export const RAW_UP_TO_MS = 6 * HOUR_MS;
/** Windows up to this long (and beyond RAW_UP_TO_MS) are drawn a minute a point. */
export const MINUTE_UP_TO_MS = 2 * 24 * HOUR_MS;
/** More raw points than this are thinned evenly (a chart 640 units wide shows no more). */
export const MAX_RAW_POINTS = 2_000;

/** The resolution for a window of `spanMs`: raw for hours, minutes for a day, hours beyond. */
export function resolutionFor(spanMs: number): Resolution {
  if (spanMs <= RAW_UP_TO_MS) return "raw";
  if (spanMs <= MINUTE_UP_TO_MS) return "minute";
  return "hour";
}

export interface LatencyPoint {
  /** ms since the epoch: the result's time, or the minute's or hour's start. */
  t: number;
  ms: number;
}

const IN_SERIES = "check_id IN (SELECT value FROM json_each(?)) AND at >= ? AND at < ?";

/** Mean latency per `unit` bucket of [from, to) from one source table. */
function bucketed(store: Store, source: "results" | "rollups_minute" | "rollups_hour", ids: string, unit: number, from: number, to: number): LatencyPoint[] {
  if (to <= from) return [];
  const sql = source === "results"
    ? `SELECT (at / ${unit}) * ${unit} AS t, sum(latency_us) AS total, count(*) AS n FROM results WHERE ${IN_SERIES} AND ok = 1 GROUP BY t`
    : `SELECT (at / ${unit}) * ${unit} AS t, sum(latency_sum_us) AS total, sum(ok) AS n FROM ${source} WHERE ${IN_SERIES} GROUP BY t`;
  const rows = store.statement(sql).all(ids, from, to) as Array<{ t: number; total: number; n: number }>;
  return rows.filter((row) => row.n > 0).map((row) => ({ t: row.t, ms: row.total / row.n / 1000 }));
}

/** The service's latency points in [from, to) at `resolution`, oldest first. */
export function latencyPoints(store: Store, service: string, from: number, to: number, resolution: Resolution): LatencyPoint[] {
  const ids = seriesIds(store, { service });
  const keptRaw = getMark(store, "kept.raw");
  const keptMinute = getMark(store, "kept.minute");
  if (resolution === "raw") {
    const rows = store.statement(`SELECT at AS t, latency_us FROM results WHERE ${IN_SERIES} AND ok = 1 ORDER BY at`).all(ids, Math.max(from, keptRaw), to) as Array<{ t: number; latency_us: number }>;
    // Older than the raw data kept: fall back to minutes rather than draw nothing.
    const older = keptRaw > from ? latencyPoints(store, service, from, Math.min(to, keptRaw), "minute") : [];
    const step = Math.max(1, Math.ceil(rows.length / MAX_RAW_POINTS));
    return [...older, ...rows.filter((_, index) => index % step === 0).map((row) => ({ t: row.t, ms: row.latency_us / 1000 }))];
  }
  const unit = resolution === "minute" ? MINUTE_MS : HOUR_MS;
  const parts = [
    // Hour rollups hold no minutes: where only they are kept, a minute chart gets hour points.
    bucketed(store, "rollups_hour", ids, HOUR_MS, from, Math.min(to, keptMinute)),
    bucketed(store, "rollups_minute", ids, unit, Math.max(from, keptMinute), Math.min(to, keptRaw)),
    bucketed(store, "results", ids, unit, Math.max(from, keptRaw), to),
  ];
  // A bucket split across two sources (an hour partly raw, partly minute rollups) is merged by mean.
  const merged = new Map<number, { sum: number; n: number }>();
  for (const point of parts.flat()) {
    const entry = merged.get(point.t) ?? { sum: 0, n: 0 };
    entry.sum += point.ms;
    entry.n += 1;
    merged.set(point.t, entry);
  }
  return [...merged].sort((a, b) => a[0] - b[0]).map(([t, entry]) => ({ t, ms: entry.sum / entry.n }));
}
