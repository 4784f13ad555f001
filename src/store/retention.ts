// Keeps the store bounded: raw results for `retention.raw`, minute rollups for `retention.minute`, hour
// rollups for `retention.hour` (topology.agents.retention, in ms). Rollups are brought up to date before
// anything is dropped, and each tier is cut on its boundary no later than the coarser tier's coverage, so
// uptime over a month reads the same before and after pruning.
import type { Store } from "./db.js";
import { floorTo, getMark, HOUR_MS, MINUTE_MS, setMark, type MarkName } from "./marks.js";
import { DEFAULT_ROLLUP_LAG_MS, rollUp } from "./rollups.js";
import { allSeriesIds } from "./series.js";

/** How long each tier is kept, in ms: the shape of `topology.agents.retention`. */
export interface Retention {
  raw: number;
  minute: number;
  hour: number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION: Retention = { raw: 2 * DAY_MS, minute: 14 * DAY_MS, hour: 400 * DAY_MS };

export interface Pruned {
  raw: number;
  minute: number;
  hour: number;
}

/** Rolls up, then deletes what each tier no longer keeps. Returns the rows deleted per tier. */
export function pruneHistory(store: Store, now: number, retention: Retention, lagMs = DEFAULT_ROLLUP_LAG_MS): Pruned {
  rollUp(store, now, lagMs);
  return store.db.transaction(() => {
    const ids = allSeriesIds(store);
    // Never cut a tier past what the next coarser tier covers, nor a coarser tier past a finer one's cut.
    const rawCut = Math.min(floorTo(now - retention.raw, MINUTE_MS), getMark(store, "rolled.minute"));
    const raw = cut(store, "results", "kept.raw", rawCut, ids);
    const minuteCut = Math.min(floorTo(now - retention.minute, HOUR_MS), getMark(store, "rolled.hour"), floorTo(getMark(store, "kept.raw"), HOUR_MS));
    const minute = cut(store, "rollups_minute", "kept.minute", minuteCut, ids);
    const hourCut = Math.min(floorTo(now - retention.hour, HOUR_MS), getMark(store, "kept.minute"));
    const hour = cut(store, "rollups_hour", "kept.hour", hourCut, ids);
    return { raw, minute, hour };
  })();
}

/** Deletes a table's rows before `before`, series by series (an index seek each, not a scan); marks only move forward. */
function cut(store: Store, table: "results" | "rollups_minute" | "rollups_hour", mark: MarkName, before: number, ids: readonly number[]): number {
  if (before <= getMark(store, mark)) return 0;
  const remove = store.statement(`DELETE FROM ${table} WHERE check_id = ? AND at < ?`);
  let deleted = 0;
  for (const id of ids) deleted += remove.run(id, before).changes;
  setMark(store, mark, before);
  return deleted;
}
