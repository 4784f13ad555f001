// Push-check heartbeats in the store: when the agent first knew each push token and when it last called
// in. Rows are keyed by the token's SHA-256 (the token can be the secret that protects the push URL, and
// nothing secret is written to the data folder); callers pass the resolved token and never see the key.
import { createHash } from "node:crypto";
import type { Store } from "./db.js";

export interface StoredHeartbeat {
  /** ms since the epoch: when a config of this agent first had the token. */
  readonly firstKnownAt: number;
  /** ms since the epoch of the latest beat; undefined until one arrives. */
  readonly lastSeenAt: number | undefined;
}

const keyOf = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Records that the agent knows a token from `at`, unless it already did (a restart keeps the older time). */
export function knowHeartbeat(store: Store, token: string, at: number): StoredHeartbeat {
  store.statement("INSERT INTO heartbeats (token_sha256, first_known_at) VALUES (?, ?) ON CONFLICT (token_sha256) DO NOTHING").run(keyOf(token), at);
  return readHeartbeat(store, token)!;
}

/** Records a beat; the last-seen time never moves backwards (a late-delivered beat). */
export function recordHeartbeat(store: Store, token: string, at: number): void {
  store.statement(`
    INSERT INTO heartbeats (token_sha256, first_known_at, last_seen_at) VALUES (?, ?, ?)
    ON CONFLICT (token_sha256) DO UPDATE SET last_seen_at = max(coalesce(last_seen_at, excluded.last_seen_at), excluded.last_seen_at)`).run(keyOf(token), at, at);
}

export function readHeartbeat(store: Store, token: string): StoredHeartbeat | undefined {
  const row = store.statement("SELECT first_known_at, last_seen_at FROM heartbeats WHERE token_sha256 = ?").get(keyOf(token)) as { first_known_at: number; last_seen_at: number | null } | undefined;
  return row ? { firstKnownAt: row.first_known_at, lastSeenAt: row.last_seen_at ?? undefined } : undefined;
}
