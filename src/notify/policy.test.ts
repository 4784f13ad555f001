// The notification policy parses durations users write and fills the documented defaults.
import { describe, expect, it } from "vitest";
import { notifyPolicySchema, policyOptions } from "./policy.js";
import { DEFAULT_RETRY_POLICY } from "./retry-policy.js";

describe("notify policy", () => {
  it("defaults: dedupe 5m, 15s per attempt, the default retry policy, no reminders", () => {
    expect(policyOptions(notifyPolicySchema.parse({}))).toEqual({ dedupe_window_ms: 300_000, timeout_ms: 15_000, retry: DEFAULT_RETRY_POLICY });
  });

  it("takes durations as users write them", () => {
    const policy = notifyPolicySchema.parse({ remind_every: "1h30m", dedupe_window: "30s", retry: { attempts: 3, min_delay_ms: 100, max_delay_ms: 1000, factor: 2 } });
    expect(policyOptions(policy)).toMatchObject({ remind_every_ms: 5_400_000, dedupe_window_ms: 30_000, retry: { attempts: 3 } });
    expect(notifyPolicySchema.safeParse({ remind_every: 3600 }).success).toBe(false);
  });
});
