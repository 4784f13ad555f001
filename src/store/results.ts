// Raw check results: one small integer row per probe run (series id, time, ok, latency in µs, reason id),
// with the message kept only for failures — that is where it explains something. Written in batches.
import type { Store } from "./db.js";
import { getMark } from "./marks.js";
import { rollUpLate } from "./rollups.js";
import { seriesId, seriesIds, type SeriesKey, type SeriesSelector } from "./series.js";

export interface CheckResult extends SeriesKey {
  /** When the probe ran, ms since the epoch. */
  at: number;
  ok: boolean;
  latencyMs: number;
  /** Short machine-readable reason when not ok ("timeout", "refused"…). */
  reason?: string | undefined;
  /** The probe's sentence; stored for failures only. */
  message?: string | undefined;
}

export interface InsertOutcome {
  inserted: number;
  /**
   * Results not stored: a repeat of a series' result at the same millisecond (the same observation
   * delivered twice), or older than the raw retention (already pruned; it would be pruned again).
   */
  skipped: number;
}

const reasonCaches = new WeakMap<Store, Map<string, number>>();

function reasonId(store: Store, text: string): number {
  let cache = reasonCaches.get(store);
  if (!cache) reasonCaches.set(store, (cache = new Map()));
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  store.statement("INSERT INTO reasons (text) VALUES (?) ON CONFLICT DO NOTHING").run(text);
  const { id } = store.statement("SELECT id FROM reasons WHERE text = ?").get(text) as { id: number };
  cache.set(text, id);
  return id;
}

/** Writes results in one transaction; re-rolls any minute already rolled up that a late result falls in. */
export function insertResults(store: Store, results: readonly CheckResult[]): InsertOutcome {
  return store.db.transaction(() => {
    const insert = store.statement("INSERT INTO results (check_id, at, ok, latency_us, reason_id, message) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    const keptRaw = getMark(store, "kept.raw");
    const rolled = getMark(store, "rolled.minute");
    const late = new Set<number>();
    let lateFrom = Infinity;
    let inserted = 0;
    for (const result of results) {
      if (result.at < keptRaw) continue;
      const id = seriesId(store, result);
      const reason = result.reason ? reasonId(store, result.reason) : null;
      const latencyUs = Math.max(0, Math.round(result.latencyMs * 1000));
      const changes = insert.run(id, result.at, result.ok ? 1 : 0, latencyUs, reason, result.ok ? null : (result.message ?? null)).changes;
      inserted += changes;
      if (changes > 0 && result.at < rolled) {
        late.add(id);
        lateFrom = Math.min(lateFrom, result.at);
      }
    }
    if (late.size > 0) rollUpLate(store, [...late], lateFrom);
    return { inserted, skipped: results.length - inserted };
  })();
}

export interface StoredResult {
  check: string;
  service: string;
  host: string | undefined;
  agent: string;
  at: number;
  ok: boolean;
  latencyMs: number;
  reason: string | undefined;
  message: string | undefined;
}

/** The raw results of a check or service in [from, to), newest first, at most `limit`. */
export function readResults(store: Store, selector: SeriesSelector, from: number, to: number, limit = 1_000): StoredResult[] {
  const rows = store.statement(`
    SELECT c.name AS check_name, c.service, c.host, c.agent, r.at, r.ok, r.latency_us, s.text AS reason, r.message
    FROM results r JOIN checks c ON c.id = r.check_id LEFT JOIN reasons s ON s.id = r.reason_id
    WHERE r.check_id IN (SELECT value FROM json_each(?)) AND r.at >= ? AND r.at < ?
    ORDER BY r.at DESC LIMIT ?`).all(seriesIds(store, selector), from, to, limit) as {
    check_name: string; service: string; host: string; agent: string; at: number; ok: number; latency_us: number; reason: string | null; message: string | null;
  }[];
  return rows.map((row) => ({
    check: row.check_name,
    service: row.service,
    host: row.host === "" ? undefined : row.host,
    agent: row.agent,
    at: row.at,
    ok: row.ok === 1,
    latencyMs: row.latency_us / 1000,
    reason: row.reason ?? undefined,
    message: row.message ?? undefined,
  }));
}
