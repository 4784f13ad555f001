// Building ProbeResult values the same way in every kind: a monotonic stopwatch for latency, and the
// shapes of "passed", "failed" and "timed out" so that messages read alike across kinds.
import { performance } from "node:perf_hooks";
import { formatDuration } from "../config/duration.js";
import type { ProbeContext, ProbeResult } from "./probe.js";

/** Starts a monotonic stopwatch (latency must not jump with the wall clock); returns elapsed ms. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => Math.round((performance.now() - start) * 10) / 10;
}

export function passed(message: string, latencyMs: number, details?: Record<string, unknown>): ProbeResult {
  return details === undefined ? { ok: true, message, latencyMs } : { ok: true, message, latencyMs, details };
}

export function failed(reason: string, message: string, latencyMs: number, details?: Record<string, unknown>): ProbeResult {
  return details === undefined ? { ok: false, reason, message, latencyMs } : { ok: false, reason, message, latencyMs, details };
}

/** The result of a probe cut short by `ctx.signal`: the check's timeout passed (or the agent is stopping). */
export function timedOut(target: string, ctx: ProbeContext, latencyMs: number, reason = "timeout"): ProbeResult {
  return failed(reason, `${target} did not answer within ${formatDuration(ctx.timeoutMs)}.`, latencyMs);
}

/**
 * Races a probe's work against its abort signal so that a probe settles promptly even when a library
 * is slow to notice the abort. The work must still release its own sockets/children on the signal.
 */
export function raceAbort<T>(signal: AbortSignal, work: Promise<T>, onAbort: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => resolve(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
