// A ProbeContext for tests: a real abort on the given timeout, secrets from a given environment, and a
// clock that can be pinned. `stop()` clears the timer so no test leaves one running.
import { readSecret } from "../../../src/config/secret.js";
import type { HeartbeatSource, ProbeContext } from "../../../src/probes/probe.js";

export interface TestContext {
  ctx: ProbeContext;
  /** Aborts now, as the agent does when it stops. */
  abort(): void;
  stop(): void;
}

export function probeContext(options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; now?: () => number; heartbeats?: HeartbeatSource } = {}): TestContext {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("timeout")), timeoutMs);
  const ctx: ProbeContext = {
    signal: controller.signal,
    timeoutMs,
    now: options.now ?? Date.now,
    secret: (ref) => readSecret(ref, options.env ?? {}),
    ...(options.heartbeats === undefined ? {} : { heartbeats: options.heartbeats }),
  };
  return { ctx, abort: () => controller.abort(), stop: () => clearTimeout(timer) };
}
