// The dictionary of series: one small integer per (check, service, host, agent), so results, rollups and
// their indexes hold an integer instead of four strings. Ids are cached per store; they never change.
import type { Store } from "./db.js";

export interface SeriesKey {
  check: string;
  service: string;
  /** The host whose instance the check watches; undefined for a logical service. */
  host: string | undefined;
  /** The agent (vantage point) that ran the check. */
  agent: string;
}

/**
 * Which series a query covers: one check's or one service's, from every agent unless one is named, and of
 * every instance unless `hosts` names some ("" is a check of no instance, such as a logical service's).
 */
export type SeriesSelector = ({ check: string; service?: undefined } | { service: string; check?: undefined }) & { agent?: string; hosts?: readonly string[] };

const caches = new WeakMap<Store, Map<string, number>>();

export function seriesId(store: Store, key: SeriesKey): number {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  const host = key.host ?? "";
  const text = `${key.check}\u0000${key.service}\u0000${host}\u0000${key.agent}`;
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  store.statement("INSERT INTO checks (name, service, host, agent) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(key.check, key.service, host, key.agent);
  const row = store.statement("SELECT id FROM checks WHERE name = ? AND service = ? AND host = ? AND agent = ?").get(key.check, key.service, host, key.agent) as { id: number };
  cache.set(text, row.id);
  return row.id;
}

/** The ids a selector covers, as a JSON array for `IN (SELECT value FROM json_each(?))`. */
export function seriesIds(store: Store, selector: SeriesSelector): string {
  const column = selector.check !== undefined ? "name" : "service";
  const value = selector.check ?? selector.service;
  const rows = (selector.agent === undefined
    ? store.statement(`SELECT id, host FROM checks WHERE ${column} = ?`).all(value)
    : store.statement(`SELECT id, host FROM checks WHERE ${column} = ? AND agent = ?`).all(value, selector.agent)) as { id: number; host: string }[];
  const hosts = selector.hosts === undefined ? undefined : new Set(selector.hosts);
  return JSON.stringify(rows.filter((row) => hosts === undefined || hosts.has(row.host)).map((row) => row.id));
}

/** Every series id, for maintenance that walks the tables series by series (index seeks, not scans). */
export function allSeriesIds(store: Store): number[] {
  return (store.statement("SELECT id FROM checks ORDER BY id").all() as { id: number }[]).map((row) => row.id);
}
