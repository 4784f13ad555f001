// Push-check heartbeats in the store: when the agent first knew each push token and what its last
// signals were (the last success or failure with its body, a start not yet ended, the last run's
// duration; see src/probes/push-ping.ts), so a restart forgets none of it. Rows are keyed by the
// token's SHA-256 (the token can be the secret that protects the push URL, and nothing secret is written
// to the data folder); callers pass the resolved token and never see the key.
import { createHash } from "node:crypto";
import type { PushPing } from "../probes/push-ping.js";
import type { Store } from "./db.js";

export interface StoredHeartbeat extends PushPing {
  /** ms since the epoch: when a config of this agent first had the token. */
  readonly firstKnownAt: number;
}

interface Row {
  first_known_at: number;
  last_seen_at: number | null;
  last_kind: "ok" | "fail" | null;
  last_body: string | null;
  started_at: number | null;
  last_duration_ms: number | null;
}

const keyOf = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Records that the agent knows a token from `at`, unless it already did (a restart keeps the older time). */
export function knowHeartbeat(store: Store, token: string, at: number): StoredHeartbeat {
  store.statement("INSERT INTO heartbeats (token_sha256, first_known_at) VALUES (?, ?) ON CONFLICT (token_sha256) DO NOTHING").run(keyOf(token), at);
  return readHeartbeat(store, token)!;
}

/**
 * Writes a token's state as the receiver holds it (the receiver applies the signals, so it never moves
 * backwards); the first-known time of an existing row is kept.
 */
export function saveHeartbeat(store: Store, token: string, firstKnownAt: number, ping: PushPing): void {
  store.statement(`
    INSERT INTO heartbeats (token_sha256, first_known_at, last_seen_at, last_kind, last_body, started_at, last_duration_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (token_sha256) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_kind = excluded.last_kind,
      last_body = excluded.last_body, started_at = excluded.started_at, last_duration_ms = excluded.last_duration_ms`)
    .run(keyOf(token), firstKnownAt, ping.lastSeenAt ?? null, ping.lastKind ?? null, ping.lastBody ?? null, ping.startedAt ?? null, ping.lastDurationMs ?? null);
}

export function readHeartbeat(store: Store, token: string): StoredHeartbeat | undefined {
  const row = store.statement("SELECT first_known_at, last_seen_at, last_kind, last_body, started_at, last_duration_ms FROM heartbeats WHERE token_sha256 = ?").get(keyOf(token)) as Row | undefined;
  if (!row) return undefined;
  const heartbeat: { -readonly [K in keyof StoredHeartbeat]: StoredHeartbeat[K] } = { firstKnownAt: row.first_known_at };
  if (row.last_seen_at !== null) heartbeat.lastSeenAt = row.last_seen_at;
  if (row.last_kind !== null) heartbeat.lastKind = row.last_kind;
  if (row.last_body !== null) heartbeat.lastBody = row.last_body;
  if (row.started_at !== null) heartbeat.startedAt = row.started_at;
  if (row.last_duration_ms !== null) heartbeat.lastDurationMs = row.last_duration_ms;
  return heartbeat;
}
