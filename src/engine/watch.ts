// Wires the watching engine together for one agent: scheduler → check results → verdicts →
// instance and service changes → incidents, all published on the agent's event map. The agent
// command, the store and the notifiers only see `events`; tests drive it with a FakeClock and fake probes.
//
// Two verdict sources, the same one (this agent's LocalVerdicts) unless `shared` is given (several agents
// on etcd: src/coord/shared-verdicts.ts):
//   decisions  → `instance.changed` events and `Watcher.verdicts`: what the failover controller acts on,
//                and what the dashboard, metrics and status show per instance. With etcd, the quorum's
//                verdicts, frozen while this agent cannot reach etcd.
//   alerting   → service health and incidents, hence notifications. With etcd, the quorum's verdicts
//                while current (one vantage point's broken link never pages), else this agent's own.
// Both listeners are registered in the order the single-source engine always ran them (event first,
// then health, then incidents), so with one source nothing changes.
import type { Service, Topology } from "../model/topology.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { AgentEmitter } from "./events.js";
import { IncidentTracker } from "./incidents.js";
import { HOST_LEVEL_KINDS } from "./root-cause.js";
import { MaintenanceSchedule } from "./maintenance.js";
import { Scheduler, type ProbeRunner } from "./scheduler.js";
import { ServiceHealthTracker } from "./service-health.js";
import { settleTime } from "./settle-time.js";
import { withoutExpectedDown } from "./expected-down.js";
import { LocalVerdicts, type VerdictSource } from "./verdict.js";

/** Verdicts combined with other agents'; built per watcher from this agent's own (see the header). */
export interface SharedVerdicts {
  readonly decisions: VerdictSource;
  readonly alerting: VerdictSource;
  stop(): Promise<void>;
}

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
  /** An instance stopped by design (a warm standby): its failing checks alert nobody (expected-down.ts). */
  stoppedByDesign?: (service: string, host: string) => boolean;
  /** How long a new incident waits for related failures before it is announced (default: per failure, settle-time.ts). */
  settleMs?: number;
  /** Several agents: combines `local` with the other vantage points' verdicts (absent: local only). */
  shared?: (local: LocalVerdicts, topology: Topology) => SharedVerdicts;
}

/**
 * How far apart the down verdicts of any failure can arrive, over every check of the config: a check is
 * confirmed down between its (failure_threshold − 1)th and failure_threshold-th run after the failure,
 * plus jitter. Incidents no longer wait this long (one hourly check would hold every alert for hours):
 * each waits for the checks related to its own failure (settle-time.ts).
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
  /** The decisions source: what failover acts on and `instance.changed` carries. */
  readonly verdicts: VerdictSource;
  /** The alerting source: what service health and incidents follow. */
  readonly alerting: VerdictSource;
  /** This agent's own verdicts from its own checks. */
  readonly local: LocalVerdicts;
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
  const local = new LocalVerdicts({ startedAt: clock.now(), graceMs: topology.agents.grace, onListenerError: reportListener("instance change listener") });
  const shared = options.shared?.(local, topology);
  const verdicts = shared?.decisions ?? local;
  const alerting = withoutExpectedDown(shared?.alerting ?? local, options.stoppedByDesign);
  const health = new ServiceHealthTracker(topology, alerting, options.activeHost, reportListener("service change listener"));
  const incidents = new IncidentTracker({ topology, source: alerting, events, clock, maintenance, settleMs: options.settleMs ?? ((part, hosts) => settleTime(topology, part, hosts)) });
  const scheduler = new Scheduler({ topology, clock, events, ...(options.run ? { run: options.run } : {}), ...(options.random ? { random: options.random } : {}) });
  const vantage = options.vantage ?? "local";

  const disposers: Array<() => void> = [
    verdicts.onChange((change) => events.emit("instance.changed", change)),
    alerting.onChange((change) => {
      health.update(change);
      if (incidents.concerns(change)) incidents.evaluate(change.at);
    }),
    health.onChange((change) => events.emit("service.changed", change)),
    events.on("check.result", ({ check, result, finishedAt }) => {
      const change = local.observe({ check, vantage, ok: result.ok, reason: result.reason, message: result.message, at: finishedAt, ...(result.conclusive ? { conclusive: true } : {}) });
      // A ping or ssh check of an instance already down says whether its host is down (root-cause.ts)
      // without changing the instance's state: regroup, or a dead host would stay a dead service.
      if (change === undefined && check.host !== undefined && HOST_LEVEL_KINDS.has(check.kind) && alerting.instanceState(check.service, check.host) === "down") incidents.evaluate(finishedAt);
    }),
  ];
  let grace: TimerHandle | undefined = clock.setTimeout(() => {
    grace = undefined;
    local.endGrace(clock.now());
  }, topology.agents.grace);
  scheduler.start();

  return {
    scheduler, verdicts, alerting, local, health, incidents,
    async stop() {
      await scheduler.stop();
      if (grace !== undefined) clock.clearTimeout(grace);
      incidents.stop();
      for (const dispose of disposers.reverse()) dispose();
      await shared?.stop();
    },
  };
}
