// Runs one check's probe from the registry with everything a probe may need from the agent: its clock,
// secrets read at the edge, and the heartbeats that push checks read. The scheduler's own default runner
// has no heartbeat source, so the agent passes this one; `understudy check` uses it without heartbeats.
import type { Clock } from "../engine/clock.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import { findProbeKind } from "../probes/registry.js";
import type { HeartbeatSource } from "../probes/probe.js";

export function agentProbeRunner(clock: Clock, secret: (ref: string) => Promise<string>, heartbeats?: HeartbeatSource): ProbeRunner {
  // Made once, not per run: at a thousand runs a second, every object a run keeps is garbage to collect.
  const now = () => clock.now();
  return async (check, signal) => {
    const kind = findProbeKind(check.kind);
    if (!kind) return { ok: false, reason: "unknown-kind", message: `no probe kind "${check.kind}" is registered`, latencyMs: 0 };
    return kind.run(check.spec, heartbeats ? { signal, timeoutMs: check.timeoutMs, now, secret, heartbeats } : { signal, timeoutMs: check.timeoutMs, now, secret });
  };
}
