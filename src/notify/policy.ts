// The config-facing side of the dispatcher: the keys a notify item may carry besides its kind
// (name, events), and the notification policy (reminders, dedupe window, retries, timeout) as a
// schema, so the config can offer them with the same spellings and descriptions everywhere.
import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import type { DispatcherOptions } from "./dispatcher.js";
import { DEFAULT_RETRY_POLICY, retryPolicySchema } from "./retry-policy.js";

export const NOTIFICATION_EVENTS = ["opened", "updated", "reminder", "resolved", "action"] as const;

/** Keys to spread into a notify item next to `min_severity` and the kind key. */
export const notifierFilterKeys = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).optional().describe("A name for this notifier in metrics and status; default <kind>#<position>."),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional().describe("Only these events (opened, updated, reminder, resolved, action); default all."),
};

export const notifyPolicySchema = z
  .strictObject({
    remind_every: durationSchema.optional().describe("Remind about an incident while it stays open, this often (e.g. 1h); default never."),
    dedupe_window: durationSchema.prefault("5m").describe("The same message (incident and event) within this window is sent once."),
    timeout: durationSchema.prefault("15s").describe("Time allowed for one delivery attempt."),
    retry: retryPolicySchema.prefault(DEFAULT_RETRY_POLICY).describe("How failed deliveries are retried."),
  })
  .describe("How notifications are sent: reminders, dedupe, retries.");

export type NotifyPolicy = z.output<typeof notifyPolicySchema>;

/** The dispatcher options a policy stands for. */
export function policyOptions(policy: NotifyPolicy): Pick<DispatcherOptions, "remind_every_ms" | "dedupe_window_ms" | "timeout_ms" | "retry"> {
  return { dedupe_window_ms: policy.dedupe_window, timeout_ms: policy.timeout, retry: policy.retry, ...(policy.remind_every === undefined ? {} : { remind_every_ms: policy.remind_every }) };
}
