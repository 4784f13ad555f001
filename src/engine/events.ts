// The agent's event map: the backbone the store, notifiers, metrics and dashboard subscribe to.
// Producers (scheduler, verdicts, service health, incidents) emit here; a failing listener is reported
// as an `error` event and never stops the others (see emitter.ts).
import type { Check } from "../model/topology.js";
import type { ProbeResult } from "../probes/probe.js";
import { Emitter } from "./emitter.js";
import type { IncidentEvents } from "./incidents.js";
import type { ServiceChange } from "./service-health.js";
import type { InstanceChange } from "./verdict.js";

export interface CheckResultEvent {
  readonly check: Check;
  readonly result: ProbeResult;
  /** When the run was due (planned time plus its jitter). */
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** startedAt − scheduledAt: time spent waiting for a concurrency slot or a late timer. */
  readonly lagMs: number;
}

/** A run was due while the previous one of the same check was still queued or running: skipped, and said so. */
export interface CheckOverrunEvent {
  readonly check: Check;
  readonly scheduledAt: number;
  /** Overruns of this check so far. */
  readonly overruns: number;
}

export interface AgentEvents extends IncidentEvents {
  "check.result": CheckResultEvent;
  "check.overrun": CheckOverrunEvent;
  "instance.changed": InstanceChange;
  "service.changed": ServiceChange;
  /** A listener failed, or a probe threw instead of returning a result (a bug in the probe). */
  error: { readonly source: string; readonly error: unknown };
}

export type AgentEmitter = Emitter<AgentEvents>;

/** An emitter for the agent whose listener failures become `error` events (and an `error` listener's own failure is dropped). */
export function createAgentEvents(): AgentEmitter {
  const events: AgentEmitter = new Emitter<AgentEvents>((failure) => {
    if (failure.event !== "error") events.emit("error", { source: `listener of ${failure.event}`, error: failure.error });
  });
  return events;
}
