// What a push token's signals add up to, as healthchecks.io defines them: `/push/T` (the job succeeded),
// `/push/T/fail` (it failed: the check is down at once, the body says why) and `/push/T/start` (it began:
// the next success or failure measures its duration, and no end within `grace` of the start fails it).
// Pure: the receiver feeds signals in and keeps the state; the push probe reads it.
//
// A signal older than the last end signal is a late delivery and changes nothing, so neither the
// last-seen time nor the outcome ever moves backwards.

/** The body kept of a signal, in characters (healthchecks.io keeps 10,000 too); the rest is cut. */
export const PUSH_BODY_KEPT = 10_000;

export type PushSignalKind = "ok" | "fail" | "start";

export interface PushSignal {
  readonly kind: PushSignalKind;
  /** ms since the epoch, from the agent's clock when it arrived. */
  readonly at: number;
  /** The request body (a log tail, an error), cut to PUSH_BODY_KEPT; "" for none. */
  readonly body: string;
}

/** A token's state: the last end signal (success or failure) and a run started since, if any. */
export interface PushPing {
  /** ms of the last success or failure; undefined until one arrives. */
  readonly lastSeenAt?: number;
  readonly lastKind?: "ok" | "fail";
  /** The body of the last success or failure ("" when it had none). */
  readonly lastBody?: string;
  /** ms of a start not yet followed by a success or failure. */
  readonly startedAt?: number;
  /** How long the last run took, start to end; undefined when the end had no start before it. */
  readonly lastDurationMs?: number;
}

export function cutBody(body: string): string {
  return body.length > PUSH_BODY_KEPT ? body.slice(0, PUSH_BODY_KEPT) : body;
}

/** The state after `signal`; the same object when the signal was a late delivery. */
export function applySignal(state: PushPing, signal: PushSignal): PushPing {
  if (state.lastSeenAt !== undefined && signal.at < state.lastSeenAt) return state;
  if (signal.kind === "start") return { ...state, startedAt: Math.max(signal.at, state.startedAt ?? signal.at) };
  const { startedAt } = state;
  const next: PushPing = { lastSeenAt: signal.at, lastKind: signal.kind, lastBody: cutBody(signal.body) };
  return startedAt !== undefined && startedAt <= signal.at ? { ...next, lastDurationMs: signal.at - startedAt } : next;
}

/** The last non-empty line of a body (where a job's log says what went wrong), shortened for a sentence. */
export function bodyExcerpt(body: string, max = 200): string {
  const line = body.trim().split(/\r?\n/).pop()?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
