// The store's own bookkeeping times: how far rollups have been computed and from when each tier is
// still complete after pruning. Queries use them to pick raw, minute or hour data for each stretch.
import type { Store } from "./db.js";

export type MarkName =
  /** Minute rollups are complete for everything before this. */
  | "rolled.minute"
  /** Hour rollups are complete for everything before this. */
  | "rolled.hour"
  /** Raw results were pruned before this; raw is complete from here on. */
  | "kept.raw"
  | "kept.minute"
  | "kept.hour";

/** The mark, or 0 (the beginning of time) when never set. */
export function getMark(store: Store, name: MarkName): number {
  const row = store.statement("SELECT at FROM store_marks WHERE name = ?").get(name) as { at: number } | undefined;
  return row?.at ?? 0;
}

export function setMark(store: Store, name: MarkName, at: number): void {
  store.statement("INSERT INTO store_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at").run(name, at);
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export function floorTo(at: number, unit: number): number {
  return Math.floor(at / unit) * unit;
}
