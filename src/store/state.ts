// A small key-value table for facts the agent must remember across restarts, such as a service's
// active host after a failover. Values are JSON; a write can be made conditional on the current value.
import type { Store } from "./db.js";

export interface StateEntry<T = unknown> {
  value: T;
  updatedAt: number;
}

export function getState<T = unknown>(store: Store, key: string): StateEntry<T> | undefined {
  const row = store.statement("SELECT value, updated_at FROM state WHERE key = ?").get(key) as { value: string; updated_at: number } | undefined;
  return row ? { value: JSON.parse(row.value) as T, updatedAt: row.updated_at } : undefined;
}

/**
 * Sets a key. With `expect`, only when the current value equals it (undefined: the key is absent), so two
 * writers cannot both move a service; returns whether the write happened.
 */
export function setState(store: Store, key: string, value: unknown, at: number, options: { expect?: unknown } = {}): boolean {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error(`bug: state ${key} given a value JSON cannot hold`);
  return store.db.transaction(() => {
    if ("expect" in options) {
      const current = store.statement("SELECT value FROM state WHERE key = ?").pluck().get(key) as string | undefined;
      const expected = options.expect === undefined ? undefined : JSON.stringify(options.expect);
      if (current !== expected) return false;
    }
    store.statement("INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at").run(key, json, at);
    return true;
  }).immediate();
}

export function deleteState(store: Store, key: string): boolean {
  return store.statement("DELETE FROM state WHERE key = ?").run(key).changes > 0;
}

/** Every key starting with a prefix ("active-host/"), for listing one kind of fact. */
export function listState(store: Store, prefix: string): Map<string, StateEntry> {
  const rows = store.statement("SELECT key, value, updated_at FROM state WHERE key >= ? AND key < ? ORDER BY key").all(prefix, `${prefix}\uffff`) as { key: string; value: string; updated_at: number }[];
  return new Map(rows.map((row) => [row.key, { value: JSON.parse(row.value) as unknown, updatedAt: row.updated_at }]));
}
