// Wires the watching engine together for one agent: scheduler → check results → verdicts →
// instance and service changes → incidents, all published on the agent's event map. The agent
// command, the store and the notifiers only see `events`; tests drive it with a FakeClock and fake probes.
import type { Service, Topology } from "../model/topology.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { AgentEmitter } from "./events.js";
import { IncidentTracker } from "./incidents.js";
import { MaintenanceSchedule } from "./maintenance.js";
import { Scheduler, type ProbeRunner } from "./scheduler.js";
import { ServiceHealthTracker } from "./service-health.js";
import { LocalVerdicts } from "./verdict.js";

export interface WatchOptions {
  topology: Topology;
  clock: Clock;
  events: AgentEmitter;
  /** This agent's name, recorded on its observations. */
  vantage?: string;
  run?: ProbeRunner;
  random?: () => number;
  /** The host serving a primary/standby service; the primary unless the failover work says otherwise. */
  activeHost?: (service: Service) => string | undefined;
  /** How long a new incident waits for related failures before it is announced (default: detectionSpread). */
  settleMs?: number;
}

/**
 * How far apart the down verdicts of one failure can arrive: a check is confirmed down between its
 * (failure_threshold − 1)th and failure_threshold-th run after the failure, plus jitter. Waiting this
 * long before announcing lets a dead router's thirty verdicts meet in one incident named after it.
 */
export function detectionSpread(topology: Topology): number {
  const checks = [...topology.services.values()].flatMap((service) => service.checks);
  if (checks.length === 0) return 0;
  const latest = Math.max(...checks.map((c) => c.failureThreshold * c.intervalMs + c.jitterMs));
  const earliest = Math.min(...checks.map((c) => (c.failureThreshold - 1) * c.intervalMs));
  return latest - earliest;
}

export interface Watcher {
  readonly scheduler: Scheduler;
  readonly verdicts: LocalVerdicts;
  readonly health: ServiceHealthTracker;
  readonly incidents: IncidentTracker;
  /** Stops everything in reverse order of starting; afterwards no timer of the engine remains. */
  stop(): Promise<void>;
}

export function startWatching(options: WatchOptions): Watcher {
  const { topology, clock, events } = options;
  const reportListener = (source: string) => (error: unknown) => events.emit("error", { source, error });
  // Built before anything runs, so a maintenance window that cannot be understood stops the start.
  const maintenance = new MaintenanceSchedule(topology.maintenance);
  const verdicts = new LocalVerdicts({ startedAt: clock.now(), graceMs: topology.agents.grace, onListenerError: reportListener("instance change listener") });
  const health = new ServiceHealthTracker(topology, verdicts, options.activeHost, reportListener("service change listener"));
  const incidents = new IncidentTracker({ topology, source: verdicts, events, clock, maintenance, settleMs: options.settleMs ?? detectionSpread(topology) });
  const scheduler = new Scheduler({ topology, clock, events, ...(options.run ? { run: options.run } : {}), ...(options.random ? { random: options.random } : {}) });
  const vantage = options.vantage ?? "local";

  const disposers: Array<() => void> = [
    verdicts.onChange((change) => {
      events.emit("instance.changed", change);
      health.update(change);
      if (incidents.concerns(change)) incidents.evaluate(change.at);
    }),
    health.onChange((change) => events.emit("service.changed", change)),
    events.on("check.result", ({ check, result, finishedAt }) => {
      verdicts.observe({ check, vantage, ok: result.ok, reason: result.reason, message: result.message, at: finishedAt });
    }),
  ];
  let grace: TimerHandle | undefined = clock.setTimeout(() => {
    grace = undefined;
    verdicts.endGrace(clock.now());
  }, topology.agents.grace);
  scheduler.start();

  return {
    scheduler, verdicts, health, incidents,
    async stop() {
      await scheduler.stop();
      if (grace !== undefined) clock.clearTimeout(grace);
      incidents.stop();
      for (const dispose of disposers.reverse()) dispose();
    },
  };
}
