// The agent's failover controller: follows instance verdicts for each primary/standby service through
// its state machine (src/failover/machine.ts) and acts on them. With `failover.mode: automatic`, a
// down active instance starts a plan (guards first); with `manual` (the default) the incident's
// notification carries the exact command to run instead. A stable primary brings the service back
// only with `failback: { after }`. At start, runs a crash left unfinished are resumed or rolled back.
// The active host lives in the store, so service health and a restarted agent follow a failover.
//
// Only the leader acts (the Coordinator: LocalCoordinator by default, always the leader; with etcd the
// EtcdCoordinator). A follower keeps its machines in step with what it sees but starts nothing, and says
// once per stint why. On becoming leader it resumes the runs the previous leader left (adopted from the
// journal in etcd) and reconsiders services whose active host is already down: no instance change may
// ever come for a failure the previous leader saw and did not live to handle.
//
// The standby's life (src/failover/instance-states.ts) is kept here too, on a tick every TICK_MS: a
// fence that could not reach the old primary is retried until done (pending-fences.ts, at once when
// that host is seen again), a caught-up instance turns warm, and a primary stopped by design (fenced,
// then caught up) fails back `failback.after` after it became warm. Runs started from the API are
// logged like automatic ones.
import type { ConfigDocument } from "../config/schema.js";
import type { Clock, TimerHandle } from "../engine/clock.js";
import type { AgentEmitter } from "../engine/events.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import type { InstanceChange, VerdictSource } from "../engine/verdict.js";
import { LocalCoordinator, type Coordinator } from "../failover/coordinator.js";
import { Failovers } from "../failover/failovers.js";
import { FailoverMachine } from "../failover/machine.js";
import { describePlan } from "../failover/plan.js";
import { recordedReplicas, type ReplicaCheck } from "../failover/replica-check.js";
import { fenceInstance, realSteps, type StepDeps } from "../failover/steps.js";
import type { FinalSync } from "../failover/final-sync.js";
import { InstanceState, mayReceive, readInstanceState, writeInstanceState } from "../failover/instance-states.js";
import type { RunRecord } from "../failover/journal.js";
import { PendingFences } from "../failover/pending-fences.js";
import type { RunResult } from "../failover/execute.js";
import type { Topology } from "../model/topology.js";
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Store } from "../store/db.js";
import type { Incident } from "../store/incidents.js";
import { historyView } from "../failover/history-view.js";
import type { Logger } from "./log.js";

export interface FailoverControllerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  dataDir: string;
  events: AgentEmitter;
  topology(): Topology;
  config(): ConfigDocument;
  dispatcher(): Dispatcher;
  verdicts(): VerdictSource | undefined;
  /** Recomputes service health after the active host moved. */
  refreshHealth(at: number, reason: string): void;
  probe: ProbeRunner;
  secret(ref: string): Promise<string>;
  replicas?: ReplicaCheck;
  /** Who may act (default: a LocalCoordinator on the store, always the leader). */
  coordinator?: Coordinator;
  /** Ships a planned move's final snapshot (the data path's; default: none, so planned moves refuse). */
  finalSync?: FinalSync;
}

export interface FailoverController {
  readonly failovers: Failovers;
  activeHost(service: string): string | undefined;
  /** Whether replication may write the service's data onto the host now (never the serving instance). */
  mayReceive(service: string, host: string): boolean;
  /** A standby stopped by design (warm): its failing checks alert nobody (the engine's alerting view). */
  stoppedByDesign(service: string, host: string): boolean;
  /** For a manual-mode service this incident takes down: the command a person should run. */
  hint(incident: Incident): string | undefined;
  /** Resolves once runs left by a crash are settled. */
  readonly resumed: Promise<void>;
  /** The dashboard API's failover surface (src/api/deps.ts FailoverApi). */
  readonly api: {
    history(): unknown[];
    plan(service: string, to: string | undefined): unknown;
    start(service: string, to: string | undefined, by: string): Promise<unknown>;
    onProgress(listener: (event: unknown) => void): () => void;
    activeHost(service: string): string | undefined;
  };
  stop(): Promise<void>;
}

const STOP_WAIT_MS = 10_000;
/** A move journaled by another process with no write for this long was abandoned (its longest step is verify_timeout plus margin). */
const MOVE_ABANDONED_MS = 5 * 60_000;
/** How often pending fences, caught-up instances and ready primaries are looked at. */
export const TICK_MS = 1_000;

export function startFailoverController(options: FailoverControllerOptions): FailoverController {
  const { store, clock, log, topology } = options;
  const state = (service: string, host: string) => options.verdicts()?.instanceState(service, host) ?? "unknown";
  const coordinator = options.coordinator ?? new LocalCoordinator(store, () => clock.now());
  const replicas = options.replicas ?? recordedReplicas(options.dataDir);
  const stepDeps: StepDeps = {
    topology, settings: (service) => failovers.settings(service), replicas,
    probe: options.probe, dispatcher: options.dispatcher, secret: options.secret, now: () => clock.now(),
    ...(options.finalSync ? { finalSync: options.finalSync } : {}),
  };
  const failovers: Failovers = new Failovers({
    store, clock, topology,
    block: (service) => options.config().services[service]?.failover,
    coordinator,
    actions: realSteps(stepDeps),
    replicas,
    instanceState: state,
    maintenance: (service, host) => new MaintenanceSchedule(topology().maintenance).activeWindows(clock.now(), { service, host })[0],
  });
  const machines = new Map<string, FailoverMachine>();
  const aloneSince = new Map<string, number>();
  const failbackTimers = new Map<string, TimerHandle>();
  const inFlight = new Set<Promise<unknown>>();

  const machineOf = (service: string): FailoverMachine | undefined => {
    const placement = topology().services.get(service)?.placement;
    if (placement?.kind !== "failover" || placement.standby.length === 0) return undefined;
    const active = failovers.activeHost(service)!;
    let machine = machines.get(service);
    // A run from the CLI (or a config change) may have moved the service behind the machine's back.
    if (!machine || (!machine.busy && machine.active !== active)) {
      machine = new FailoverMachine(service, placement.primary, active, (t) => log.info({ event: "failover.state", ...t }, `failover ${t.service}: ${t.from} → ${t.to} (${t.name})`));
      machines.set(service, machine);
    }
    return machine;
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  let followingSaid = false;
  const notLeading = (what: string): boolean => {
    if (coordinator.isLeader()) return false;
    if (!followingSaid) {
      followingSaid = true;
      const leader = coordinator.status().leader;
      log.info({ event: "failover.follower", leader }, `not the leader (${leader === undefined ? "no agent leads right now" : `${leader} leads`}): ${what} is left to the leader; this agent keeps watching`);
    }
    return true;
  };

  const logEnd = (service: string, result: RunResult, by: string) =>
    log[result.status === "done" ? "info" : "error"]({ event: "failover.end", service, run: result.runId, status: result.status, by }, result.summary);

  /**
   * A move of the service that another process (`understudy failover`/`failback` on the command line)
   * is running now, journaled in the same store. Its fence makes the source look down; acting on that
   * would start a second run from an older replica and lose what the planned move is shipping. A run
   * without a journal write for MOVE_ABANDONED_MS is a crashed command's: the agent no longer defers to it.
   */
  const moveElsewhere = (service: string): RunRecord | undefined => {
    if (failovers.isRunning(service)) return undefined;
    const now = clock.now();
    return failovers.journal.unfinished(service).find((run) => {
      const last = Math.max(run.startedAt, ...run.steps.map((step) => step.finishedAt ?? step.startedAt));
      return now - last < MOVE_ABANDONED_MS;
    });
  };

  const act = (service: string, kind: "failover" | "failback", reason: string, detectedAt?: number): Promise<unknown> | undefined => {
    const machine = machineOf(service);
    if (!machine || machine.busy) return undefined;
    if (notLeading(`the ${kind} of ${service}`)) return undefined;
    const other = moveElsewhere(service);
    if (other) {
      log.warn({ event: "failover.held", service, run: other.id, guards: ["in-progress"] }, `${kind} of ${service} held back: run #${other.id} (${other.kind} ${other.from} → ${other.to}) is in progress in another process; it decides where ${service} serves`);
      return undefined;
    }
    const planned = failovers.plan({ service, kind, force: false, reason, detectedAt, lastSeenUp: aloneSince.get(service) });
    if (!planned.ok) {
      log.warn({ event: "failover.refused", service }, `${kind} of ${service} not possible: ${planned.message}`);
      return undefined;
    }
    if (planned.refusals.length > 0) {
      const why = planned.refusals.map((refusal) => refusal.message).join("; ");
      log.warn({ event: "failover.held", service, guards: planned.refusals.map((r) => r.guard) }, `${kind} of ${service} held back: ${why}`);
      options.dispatcher().dispatch({ key: `failover-held:${service}`, event: "action", severity: topology().services.get(service)?.criticality ?? "normal", at: clock.now(), title: `Automatic ${kind} of ${service} held back`, body: `${why}. To move it anyway: understudy ${kind} ${service}${kind === "failover" ? ` --to ${planned.plan.to}` : ""} --force`, fields: { service, guards: planned.refusals.map((r) => r.guard) } });
      return undefined;
    }
    const plan = planned.plan;
    if (kind === "failover") machine.startFailover();
    else machine.startFailback();
    log.warn({ event: "failover.start", service, from: plan.from, to: plan.to }, describePlan(plan).join("\n"));
    return track(failovers.run(plan).then((result) => {
      logEnd(service, result, "the agent");
      if (result.status === "done") {
        if (kind === "failover") machine.completeFailover(plan.to);
        else machine.completeFailback();
        options.refreshHealth(clock.now(), `${service} now served by ${plan.to}`);
      } else if (kind === "failover") machine.abortFailover(state(service, plan.from) !== "down");
      else machine.abortFailback();
      return result;
    }, (error: unknown) => {
      log.error({ event: "failover.error", service, err: error }, `${kind} of ${service} failed unexpectedly; the journal keeps its state for the next start`);
      machines.delete(service);
    }));
  };

  const onChange = (change: InstanceChange) => {
    const machine = machineOf(change.service);
    if (!machine) return;
    // An old primary seen again while its fence is pending: fence it now, before anything calls it up.
    if (change.host !== machine.active && readInstanceState(store, change.service, change.host)?.state === InstanceState.pendingFence) {
      pending.poke(change.service, change.host);
      void tickNow();
    }
    // An instance stopped by design (warm, catching up) seen serving while another is active: it came
    // back by itself (a reboot with its unit enabled, a person). Two primaries: fence it before anything else.
    // Only an instance a run left stopped (a stored state: it served once, or was fenced) is fenced again;
    // a standby nothing ever moved that runs anyway is a config question, said and left alone.
    if (change.host !== machine.active && change.to === "up" && !machine.busy && moveElsewhere(change.service) === undefined && failovers.stoppedByDesign(change.service, change.host)) {
      if (readInstanceState(store, change.service, change.host) === undefined) {
        log.warn({ event: "failover.standby-serving", service: change.service, host: change.host }, `${change.host} answers ${change.service}'s checks though it is a standby whose promote starts it: stop it there, or remove promote if it is meant to run (a hot standby)`);
      } else if (failovers.settings(change.service).fence === undefined) {
        // Nothing can stop it: a pending fence would be retried forever and bar every move back to it.
        log.warn({ event: "failover.rogue", service: change.service, host: change.host, active: machine.active }, `${change.host} serves ${change.service} beside the active ${machine.active}, and no fence is configured to stop it: stop it there by hand, or add failover.fence`);
      } else {
        writeInstanceState(store, change.service, change.host, InstanceState.pendingFence, change.at, `${change.host} was seen serving ${change.service} while ${machine.active} is active (${change.reason})`);
        log.warn({ event: "failover.rogue", service: change.service, host: change.host, active: machine.active }, `${change.host} serves ${change.service} beside the active ${machine.active}: fencing it`);
        void tickNow();
      }
    }
    const settings = failovers.settings(change.service);
    const placement = topology().services.get(change.service)!.placement as { primary: string };
    if (change.host === placement.primary && machine.active !== placement.primary && settings.failback) {
      clock.clearTimeout(failbackTimers.get(change.service));
      failbackTimers.delete(change.service);
      if (change.to === "up") {
        failbackTimers.set(change.service, clock.setTimeout(() => {
          failbackTimers.delete(change.service);
          if (state(change.service, placement.primary) === "up") act(change.service, "failback", `${placement.primary} up for ${Math.round(settings.failback!.after / 1000)} s`);
        }, settings.failback.after));
      }
    }
    if (change.host !== machine.active || machine.busy) return;
    if (change.from === "up" || change.from === "unknown") aloneSince.set(change.service, change.at);
    const s = machine.state;
    if (change.to === "suspect" && (s === "healthy" || s === "serving-from-standby")) machine.suspect();
    else if (change.to === "down" && s !== "down") machine.confirmDown();
    else if ((change.to === "up" || change.to === "recovering") && s === "suspect") machine.clearSuspicion();
    else if ((change.to === "up" || change.to === "recovering") && s === "down") machine.recover();
    if (change.to === "down" && settings.mode === "automatic") act(change.service, "failover", `${change.host} down: ${change.reason}`, change.at);
  };

  const pending = new PendingFences({
    store, clock, topology, activeHost: (service) => failovers.activeHost(service), acting: () => coordinator.isLeader(),
    fence: fenceInstance(stepDeps),
    log: (level, message, fields) => log[level](fields, message),
    alert: (alert) => options.dispatcher().dispatch({
      key: `pending-fence:${alert.service}:${alert.host}`, event: alert.event, severity: topology().services.get(alert.service)?.criticality ?? "normal",
      at: clock.now(), title: alert.title, body: alert.body, fields: { service: alert.service, host: alert.host },
    }),
  });
  /** The primary stopped by design (fenced, caught up) is ready to take the service back this long after it turned warm. */
  const failbackTried = new Set<string>();
  const readyPrimaries = () => {
    for (const service of topology().services.values()) {
      const placement = service.placement;
      if (placement.kind !== "failover" || placement.standby.length === 0) continue;
      const settings = failovers.settings(service.name);
      if (!settings.failback || failovers.activeHost(service.name) === placement.primary || !failovers.stoppedByDesign(service.name, placement.primary)) continue;
      const entry = readInstanceState(store, service.name, placement.primary);
      if (entry?.state !== InstanceState.warm || clock.now() - entry.since < settings.failback.after) continue;
      const once = `${service.name}:${entry.since}`;
      if (failbackTried.has(once)) continue;
      failbackTried.add(once);
      act(service.name, "failback", `${placement.primary} caught up (warm) for ${Math.round(settings.failback.after / 1000)} s`);
    }
  };
  /** What resuming (leader) or settling (follower) did with the runs a crash or a lost term left unfinished. */
  const said = (results: RunResult[]) => {
    for (const result of results) log.warn({ event: "failover.resumed", run: result.runId, status: result.status }, `failover run #${result.runId} found unfinished: ${result.status}: ${result.summary}`);
    if (results.length > 0) options.refreshHealth(clock.now(), "failover runs resumed");
  };
  const ticking = new AbortController();
  let tickTimer: TimerHandle | undefined;
  const tickNow = (): Promise<void> => track((async () => {
    if (ticking.signal.aborted) return;
    await pending.tick(ticking.signal);
    if (!coordinator.isLeader()) {
      // A term this agent lost mid-run (killed, cut off) left its copy unfinished: brought to etcd's.
      if (failovers.unsettled()) said(await failovers.settleAsFollower());
      return;
    }
    const warmed = await failovers.refreshStates();
    for (const { service, host } of warmed) log.info({ event: "failover.instance", service, host, state: "warm" }, `${service}: ${host} caught up: warm standby`);
    readyPrimaries();
    if (coordinator.isLeader() && failovers.orphaned()) await resume();
  })().catch((error: unknown) => log.error({ event: "failover.tick", err: error }, "the standby lifecycle tick failed")));
  const tick = () => {
    tickTimer = clock.setTimeout(() => void tickNow().finally(() => { if (!ticking.signal.aborted) tick(); }), TICK_MS);
  };
  tick();

  const off = options.events.on("instance.changed", onChange);
  const resume = (): Promise<void> => track(failovers.resume().then(said, (error: unknown) => log.error({ event: "failover.resume", err: error }, "resuming unfinished failover runs failed")));
  /** A new leader: what the previous one saw down and did not live to handle. */
  const reconsider = () => {
    for (const service of topology().services.values()) {
      if (service.failoverMode !== "automatic" || service.placement.kind !== "failover" || service.placement.standby.length === 0) continue;
      const active = failovers.activeHost(service.name)!;
      if (state(service.name, active) === "down") act(service.name, "failover", `${active} down (seen when this agent became the leader)`);
    }
  };
  const resumed = coordinator.isLeader() ? resume() : Promise.resolve();
  const offLeadership = coordinator.onLeadership((event) => {
    followingSaid = false;
    if (event.leading) void resume().then(reconsider);
  });

  return {
    failovers,
    resumed,
    activeHost: (service) => failovers.activeHost(service),
    stoppedByDesign: (service, host) => failovers.stoppedByDesign(service, host),
    // While a move of the service runs (here or in a CLI), its own sync ships the data: a scheduled cycle
    // beside it would race it for the same staging folder, and could ship from a host being fenced.
    mayReceive: (service, host) => (topology().services.get(service)?.placement.kind === "failover"
      ? failovers.journal.unfinished(service).length === 0 && mayReceive(store, topology(), service, host)
      : host !== failovers.activeHost(service)),
    hint(incident) {
      const parts = [incident.root, ...incident.children];
      const lines: string[] = [];
      for (const service of topology().services.values()) {
        if (service.failoverMode !== "manual" || service.placement.kind !== "failover" || service.placement.standby.length === 0) continue;
        const active = failovers.activeHost(service.name)!;
        const involved = parts.some((part) => (part.kind === "service" && part.name === service.name) || (part.kind === "host" && part.name === active));
        if (!involved || state(service.name, active) !== "down") continue;
        const planned = failovers.plan({ service: service.name, kind: "failover", force: false, reason: "hint" });
        if (planned.ok) lines.push(`To fail ${service.name} over: understudy failover ${service.name} --to ${planned.plan.to}`);
      }
      return lines.length > 0 ? lines.join("\n") : undefined;
    },
    api: {
      history: () => failovers.journal.list({ limit: 100 }).map(historyView),
      plan(service, to, kind: "failover" | "failback" = "failover") {
        const planned = failovers.plan({ service, kind, to, force: false, reason: "asked from the dashboard" });
        return planned.ok ? { plan: planned.plan, steps: describePlan(planned.plan), refusals: planned.refusals } : { error: planned.message };
      },
      async start(service, to, by, kind: "failover" | "failback" = "failover") {
        if (!coordinator.isLeader()) {
          const leader = coordinator.status().leader;
          return { error: `this agent is not the leader (${leader === undefined ? "no agent leads right now" : `${leader} leads`}): start the failover from the leader's dashboard` };
        }
        const planned = failovers.plan({ service, kind, to, force: false, reason: `asked by ${by}` });
        if (!planned.ok) return { error: planned.message };
        if (planned.refusals.length > 0) {
          log.warn({ event: "failover.refused", service, by, guards: planned.refusals.map((r) => r.guard) }, `${kind} of ${service} asked by ${by} refused: ${planned.refusals.map((r) => r.message).join("; ")}`);
          return { refused: planned.refusals };
        }
        log.warn({ event: "failover.start", service, from: planned.plan.from, to: planned.plan.to, by }, describePlan(planned.plan).join("\n"));
        void track(failovers.run(planned.plan).then((result) => logEnd(service, result, by), (error: unknown) => log.error({ event: "failover.error", service, by, err: error }, `${kind} of ${service} asked by ${by} failed unexpectedly; the journal keeps its state for the next start`)));
        return { started: true, plan: planned.plan };
      },
      // Every journal write is a progress event: the dashboard's failover page and graph refresh on it.
      onProgress: (listener) => failovers.journal.onChange((change) => listener({ run: change.runId, service: change.service, step: change.step ?? null, status: change.status })),
      activeHost: (service) => failovers.activeHost(service),
    },
    async stop() {
      off();
      offLeadership();
      ticking.abort();
      clock.clearTimeout(tickTimer);
      for (const timer of failbackTimers.values()) clock.clearTimeout(timer);
      failbackTimers.clear();
      // A run in flight is given a moment; one cut short by the store closing is resumed at the next start.
      let timer: TimerHandle | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer as ReturnType<typeof setTimeout>);
    },
  };
}
