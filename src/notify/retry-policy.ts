// Retry policy as data: how many attempts, and the exponential backoff between them. Jitter spreads
// retries of many agents hitting one rate-limited provider; a provider's Retry-After is a floor,
// never shortened by jitter.
import { z } from "zod";

export const retryPolicySchema = z
  .strictObject({
    attempts: z.number().int().min(1).max(100).describe("Attempts in all, the first one included."),
    min_delay_ms: z.number().int().min(0).describe("Delay before the first retry."),
    max_delay_ms: z.number().int().min(0).describe("Ceiling of the backoff (a Retry-After may still ask for longer)."),
    factor: z.number().min(1).describe("Each delay is the previous one times this."),
  })
  .refine((policy) => policy.max_delay_ms >= policy.min_delay_ms, { message: "max_delay_ms must be at least min_delay_ms", path: ["max_delay_ms"] })
  .describe("How failed deliveries are retried.");

export type RetryPolicy = z.output<typeof retryPolicySchema>;

/** About 2s, 6s, 18s, 54s, 2m42s between six attempts: rides out a provider hiccup or a short outage. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 6, min_delay_ms: 2_000, max_delay_ms: 300_000, factor: 3 });

/**
 * Delay before retry number `retry` (1 = the first retry): exponential, capped, with "equal jitter"
 * (between half and all of the step), and never less than the provider's Retry-After.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number, retryAfterMs?: number): number {
  const step = Math.min(policy.max_delay_ms, policy.min_delay_ms * policy.factor ** Math.max(0, retry - 1));
  const jittered = Math.round(step / 2 + (random() * step) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
