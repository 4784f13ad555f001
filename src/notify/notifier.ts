// The contract every notifier kind implements: a schema for its config value and a send function.
// Retry, dedupe, reminders and severity filters live in the dispatcher, not in each kind.
import type { z } from "zod";

export type Severity = "critical" | "high" | "normal" | "low";

/** One message about an incident or an action, independent of where it goes. */
export interface Notification {
  /** Stable identity for dedupe: the same key is the same story (e.g. "incident:42"). */
  key: string;
  event: "opened" | "updated" | "reminder" | "resolved" | "action";
  severity: Severity;
  title: string;
  body: string;
  /** Link to the dashboard page about it, when the agent knows its own public URL. */
  url?: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Structured fields for templates (incident id, root, children, durations). No secrets. */
  fields: Record<string, unknown>;
}

export interface SendContext {
  signal: AbortSignal;
  secret(ref: string): Promise<string>;
}

/** A send either succeeds or fails with a reason; `retryable` says whether a retry can help (429, 5xx, network). */
export type SendResult = { ok: true } | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

export interface NotifierKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  schema: S;
  describe(spec: z.output<S>): string;
  send(spec: z.output<S>, n: Notification, ctx: SendContext): Promise<SendResult>;
}

export function defineNotifier<S extends z.ZodType>(kind: NotifierKind<S>): NotifierKind<S> {
  return kind;
}
