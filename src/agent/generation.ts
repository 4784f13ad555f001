// One config's watch: the engine's watcher for a topology, the journal following its incidents, and the
// window in which incidents carried over from the previous config (or run) are either continued by this
// watcher or resolved. A reload ends one generation and starts the next; the store, the HTTP server,
// the dispatcher's history and the push heartbeats outlive them.
//
// With several agents (`shared`, see src/coord/shared-verdicts.ts) carried incidents follow the alerting
// verdicts, as new incidents do: they are incidents, not failover decisions.
import type { Clock, TimerHandle } from "../engine/clock.js";
import type { AgentEmitter } from "../engine/events.js";
import { detectionSpread, startWatching, type Watcher, type WatchOptions } from "../engine/watch.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import type { Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { WHOLE_SERVICE } from "../engine/verdict.js";
import type { Component } from "../store/incidents.js";
import type { IncidentJournal } from "./incident-journal.js";

export interface Generation {
  readonly topology: Topology;
  readonly watcher: Watcher;
  stop(): Promise<void>;
}

/**
 * How long a new watcher needs to confirm an old failure: the grace, a failure threshold of runs of
 * the slowest check (with its timeout and jitter), and the settle delay of incidents, plus one interval.
 */
export function adoptionWindow(topology: Topology): number {
  const checks = [...topology.services.values()].flatMap((service) => service.checks);
  if (checks.length === 0) return 0;
  const slowest = Math.max(...checks.map((c) => c.failureThreshold * c.intervalMs + c.timeoutMs + c.jitterMs + c.intervalMs));
  return topology.agents.grace + slowest + detectionSpread(topology);
}

export interface GenerationOptions {
  topology: Topology;
  clock: Clock;
  events: AgentEmitter;
  journal: IncidentJournal;
  vantage: string;
  run: ProbeRunner;
  /** The host serving each primary/standby service (the failover controller persists it). */
  activeHost?: WatchOptions["activeHost"];
  stoppedByDesign?: WatchOptions["stoppedByDesign"];
  /** Several agents on etcd: `(local, topology) => startSharedVerdicts({ session, local, topology, … })`. */
  shared?: WatchOptions["shared"];
}

export function startGeneration(options: GenerationOptions): Generation {
  const { topology, clock, events, journal } = options;
  const watcher = startWatching({
    topology, clock, events, vantage: options.vantage, run: options.run,
    ...(options.activeHost ? { activeHost: options.activeHost } : {}),
    ...(options.stoppedByDesign ? { stoppedByDesign: options.stoppedByDesign } : {}),
    ...(options.shared ? { shared: options.shared } : {}),
  });
  const detach = journal.attach(events);

  // A carried incident is over once its root is seen up again: a host when one of its instances is,
  // a service when all its instances seen are (a failure seen again is continued instead).
  const isUp = (root: Component): boolean => {
    if (root.kind === "host") return (topology.onHost.get(root.name) ?? []).some((service) => watcher.alerting.instanceState(service, root.name) === "up");
    const service = topology.services.get(root.name);
    if (!service) return false;
    const hosts = service.placement.kind === "logical" ? [WHOLE_SERVICE] : hostsOf(service.placement);
    const states = hosts.map((host) => watcher.alerting.instanceState(root.name, host));
    // Suspect counts as serving for health, but here it is the failure coming back: not yet up.
    return states.includes("up") && states.every((state) => state === "up" || state === "unknown");
  };
  const offChange = watcher.alerting.onChange((change) => {
    if (journal.carriedCount() > 0) journal.settleCarried(isUp, change.at);
  });
  let adoption: TimerHandle | undefined;
  if (journal.carriedCount() > 0) {
    adoption = clock.setTimeout(() => {
      adoption = undefined;
      journal.resolveCarried(clock.now());
    }, adoptionWindow(topology));
  }

  return {
    topology,
    watcher,
    async stop() {
      if (adoption !== undefined) clock.clearTimeout(adoption);
      offChange();
      await watcher.stop();
      detach();
    },
  };
}
