// The watching agent: loads the config, opens the store, serves HTTP, runs the checks and turns what
// they find into stored results, incidents and notifications, until stopped.
//
// Everything started is pushed on a disposer stack and stopped in reverse: config watch, pruning, the
// watcher (probes aborted), notifications drained for a few seconds, results flushed, HTTP closed, store
// closed. `reload()` (SIGHUP, or the config file changing) swaps the watcher for one on the new config;
// an invalid config is logged with every diagnostic and the running one stays. A ConfigError, StoreError
// or ListenError at start is thrown to the caller with nothing left running.
//
// Coordination (`agents.coordination`): `local` is one agent, always the leader, exactly as before. With
// `{ etcd }` the agent opens a session (its card: version and API URL) right after listening, shares its
// verdicts through it (quorum, src/coord/shared-verdicts.ts) and runs an EtcdCoordinator: only while it
// leads does it fail over, fail back, resume runs, back up and drill; every agent mirrors the active
// hosts the leader records in etcd. Losing the lease (or a clock jump) is logged and stops acting, never
// probing or alerting. The status API carries { coordination, leader, isLeader, token }. An etcd that
// does not answer at start does not stop the start: the agent probes and alerts on its own and joins
// once etcd answers (src/coord/session.ts waitForEtcd); a taken name, bad credentials or TLS do.
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import type { ApiWiring } from "../api/deps.js";
import { backupsCatalogue } from "../api/backups-view.js";
import { linkFailover } from "../api/failover-link.js";
import { ConfigError, formatDiagnostic } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { systemClock, type Clock, type TimerHandle } from "../engine/clock.js";
import { createAgentEvents } from "../engine/events.js";
import { listAgents } from "../coord/agent-list.js";
import { agentsView } from "../api/agents-view.js";
import { openEtcdCoordination, type EtcdCoordination } from "../coord/etcd-coordinator.js";
import { startSharedVerdicts, type StartedSharedVerdicts } from "../coord/shared-verdicts.js";
import { startSharedPushes, type SharedPushes } from "../coord/shared-pushes.js";
import { LocalCoordinator, type Coordinator } from "../failover/coordinator.js";
import { instanceState as instanceRole } from "../failover/instance-states.js";
import { hostFinalSync } from "../failover/ship-final.js";
import { buildTopology, hostsOf, type Topology } from "../model/topology.js";
import type { Dispatcher } from "../notify/dispatcher.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { deliveriesOf } from "../store/deliveries.js";
import { ResultWriter } from "../store/result-writer.js";
import { pruneHistory } from "../store/retention.js";
import { watchConfigFile } from "./config-watch.js";
import { createDispatcher, notifyChanged } from "./dispatcher.js";
import { startGeneration, type Generation } from "./generation.js";
import { createHandler, listenHttp } from "./http.js";
import { IncidentJournal } from "./incident-journal.js";
import { startFailoverController, type FailoverController } from "./failover-controller.js";
import { withFailoverHints } from "./failover-hints.js";
import { createLogger, type Logger } from "./log.js";
import { readReplicaRecordsSync } from "../backup/replica-state.js";
import { startAgentBackups } from "./backup-agent.js";
import { startDrillScheduler } from "./drill-scheduler.js";
import { createAgentMetrics } from "./metrics.js";
import { agentProbeRunner } from "./probe-runner.js";
import { startOutsideHeartbeat } from "./outside-heartbeat.js";
import { SharedNotices } from "./shared-notices.js";
import { deliveryLog } from "./delivery-log.js";
import { PushReceiver } from "./push-receiver.js";
import { buildStatus, type AgentStatus, type LastResult } from "./status.js";
import { AGENT_VERSION } from "./version.js";

export interface AgentOptions {
  configFile: string;
  env: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  logger?: Logger;
  /** Reload when the config file changes (default true). */
  watchConfig?: boolean;
  /** How long stop() lets queued notifications go out (default 5s). */
  drainMs?: number;
  /** Extra API wiring: the demo's controls, another dashboard build. */
  api?: Pick<ApiWiring, "demo" | "webRoot" | "failover" | "backups">;
}

export interface ReloadOutcome {
  ok: boolean;
  /** Formatted diagnostics of a refused config. */
  errors: string[];
}

export interface Agent {
  /** The HTTP API's base URL. */
  readonly url: string;
  readonly dataDir: string;
  status(): AgentStatus;
  reload(): Promise<ReloadOutcome>;
  /** Graceful; `force` (a second signal) skips the notification drain. Calling it again joins the first. */
  stop(options?: { force?: boolean }): Promise<void>;
}

const PRUNE_EVERY_MS = 5 * 60_000;

/** The coordination part of the status API (the coordinator's own status, without internals). */
function publicStatus(coordinator: Coordinator): { coordination: "local" | "etcd"; leader: string | undefined; isLeader: boolean; token: number } {
  const { coordination, leader, isLeader, token } = coordinator.status();
  return { coordination, leader, isLeader, token };
}

function checkNames(topology: Topology): Set<string> {
  return new Set([...topology.services.values()].flatMap((service) => service.checks.map((check) => check.name)));
}

export async function startAgent(options: AgentOptions): Promise<Agent> {
  const clock = options.clock ?? systemClock;
  const configFile = resolve(options.configFile);
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  let topology = buildTopology(loaded.config);
  let config = loaded.config;
  const vantage = topology.agents.name ?? hostname();
  const log = options.logger ?? createLogger({ base: { agent: vantage } });
  for (const warning of loaded.warnings) log.warn({ event: "config.warning" }, formatDiagnostic(warning));
  const secret = (ref: string) => readSecret(ref, options.env as NodeJS.ProcessEnv);
  const startedAt = clock.now();
  const disposers: Array<{ name: string; run: () => unknown }> = [];
  const unwind = async () => {
    for (const disposer of disposers.splice(0).reverse()) {
      try {
        await disposer.run();
      } catch (error) {
        log.error({ event: "agent.stop", step: disposer.name, err: error }, `stopping ${disposer.name} failed`);
      }
    }
  };

  const dataDir = resolveDataDir(topology.agents.data_dir, options.env, dirname(configFile));
  const store = openStore(storePathIn(dataDir));
  disposers.push({ name: "store", run: () => store.close() });
  try {
    const events = createAgentEvents();
    let generation: Generation | undefined;
    // Beats are kept in the store; one runs its checks at once, so status and verdicts follow the push.
    const push = new PushReceiver({ store, onBeat: (checks) => generation?.watcher.scheduler.runNow(checks), onError: (error) => log.error({ event: "push.error", err: error }, "recording a push heartbeat failed") });
    const lastResults = new Map<string, LastResult>();
    let failover: FailoverController | undefined;
    // With etcd, the leader alone sends incident notices, recorded in etcd (shared-notices.ts).
    const deliveries = deliveryLog({ store, agent: vantage, now: () => clock.now(), log, notices: () => notices });
    const notices: SharedNotices | undefined = topology.agents.coordination === "local" ? undefined : new SharedNotices({ agent: vantage, dispatcher: () => dispatcher, now: () => clock.now(), log, openIncidents: () => journal.open(), hint: (incident) => failover?.hint(incident), remindEveryMs: () => topology.notifyPolicy.remind_every, quorum: () => topology.agents.quorum, onRecords: (records) => deliveries.mirror(records) });
    let dispatcher: Dispatcher = createDispatcher(topology, clock, options.env, log, deliveries);
    const journal = new IncidentJournal(store, notices?.sink ?? withFailoverHints(() => dispatcher, () => clock.now(), (incident) => failover?.hint(incident)), log);

    const instances = () => [...topology.services.values()].flatMap((service) =>
      (service.placement.kind === "logical" ? ["*"] : hostsOf(service.placement)).map((host) => ({ service: service.name, host, state: generation?.watcher.verdicts.instanceState(service.name, host) ?? "unknown" })));
    const metrics = createAgentMetrics({
      instances,
      services: () => [...topology.services.keys()].map((service) => ({ service, health: generation?.watcher.health.health(service) ?? "unknown" })),
      scheduler: () => generation?.watcher.scheduler.stats(),
      notifiers: () => dispatcher.counters().notifiers,
      openIncidents: () => journal.open().length,
    });
    let sharedPushes: SharedPushes | undefined;
    let coordinator: Coordinator = new LocalCoordinator(store, () => clock.now());
    let shared: StartedSharedVerdicts | undefined;
    const etcdWanted = topology.agents.coordination !== "local";
    const status = (): AgentStatus => buildStatus({
      topology,
      source: "agent",
      agent: { name: vantage, version: AGENT_VERSION, started_at: new Date(startedAt).toISOString(), uptime_s: Math.round((clock.now() - startedAt) / 1000) },
      lastResult: (check) => lastResults.get(check),
      incidents: journal.open(), deliveries: (id) => deliveriesOf(store, id),
      replicas: readReplicaRecordsSync(dataDir), now: clock.now(),
      // An instance stopped by design (a warm standby) is shown in its role, not as "down": its checks
      // fail because its service is meant to be stopped until promoted.
      ...(generation ? { instanceState: (service: string, host: string) => {
        const seen = generation!.watcher.verdicts.instanceState(service, host);
        if (seen === "up" || !failover?.stoppedByDesign(service, host)) return seen;
        // Catching up with no fence configured: nothing stopped it, so failing checks mean it is down.
        const role = instanceRole(store, topology, service, host)?.state;
        return role === "catching-up" && failover.failovers.settings(service).fence === undefined ? seen : role ?? seen;
      }, health: (service: string) => generation!.watcher.health.health(service) } : {}),
      role: (service: string, host: string) => instanceRole(store, topology, service, host)?.state,
      // Until the etcd session is open (the API listens first) the placeholder local coordinator must not
      // be reported: this agent is not the leader of anything yet.
      coordination: () => ({
        leadership: etcdWanted && coordinator instanceof LocalCoordinator
          ? { coordination: "etcd" as const, leader: undefined, isLeader: false, token: 0 }
          : publicStatus(coordinator),
        shared: shared?.coordination(),
      }),
    });

    // Listening comes first after the store: a taken port should stop the start before any probe runs.
    const etcdRef: { current?: EtcdCoordination } = {};
    const coordinated = topology.agents.coordination;
    const handler = createHandler({
      version: AGENT_VERSION,
      uptime: () => (clock.now() - startedAt) / 1000,
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.render() }),
      status,
      push: (token, signal) => {
        const received = { kind: signal?.kind ?? "ok", at: clock.now(), body: signal?.body ?? "" };
        return push.signal(token, received) && (sharedPushes?.publish(token, received), true);
      },
    }, {
      failover: linkFailover(() => failover?.api),
      backups: backupsCatalogue(() => config, dataDir, options.env as NodeJS.ProcessEnv, () => clock.now()),
      ...(coordinated === "local" ? {} : { agents: async () => etcdRef.current && agentsView(await listAgents(etcdRef.current.session.etcd, coordinated.etcd.prefix), clock.now(), topology.agents.quorum) }),
      ...options.api,
      clock, store, events, configDir: dirname(configFile),
      topology: () => topology,
      config: () => config,
      health: (service) => generation?.watcher.health.health(service) ?? "unknown",
      warn: (message) => log.warn({ event: "api" }, message),
    });
    disposers.push({ name: "live events", run: () => handler.close() });
    const http = await listenHttp(handler, topology.agents.listen);
    disposers.push({ name: "http server", run: () => http.close() });

    let etcd: EtcdCoordination | undefined;
    const coordination = topology.agents.coordination;
    if (coordination !== "local") {
      etcd = await openEtcdCoordination(coordination.etcd, {
        name: vantage, card: { version: AGENT_VERSION, startedAt, url: http.url }, secret: (ref) => secret(ref),
        onActive: (service, host) => {
          if (!failover?.failovers.follow(service, host)) return;
          log.info({ event: "failover.followed", service, host }, `${service} is served by ${host} (recorded by the leader in etcd)`);
          generation?.watcher.health.update({ at: clock.now(), reason: `${service} now served by ${host}` });
        },
        onError: (error) => log.warn({ event: "etcd.error", err: error }, `etcd: ${error.message}`),
        waitForEtcd: true,
      });
      const opened = (etcdRef.current = etcd);
      if (opened.session.lease() === undefined) {
        log.warn({ event: "etcd.waiting" }, "etcd does not answer yet: this agent probes and alerts on its own checks, and joins the others (verdicts, leadership) once etcd answers");
      }
      disposers.push({ name: "etcd session", run: () => opened.close() });
      opened.coordinator.onLeadership((event) => log[event.leading ? "info" : "warn"]({ event: "leadership", leading: event.leading, leader: event.leader, fencing_token: event.token },
        event.leading ? `leading (token ${event.token}): ${event.reason}` : `${event.reason}; this agent keeps probing and alerting`));
      coordinator = opened.coordinator;
      notices?.attach(opened.coordinator, opened.session);
      const pushes = (sharedPushes = startSharedPushes({ session: opened.session, receiver: push, onError: (error) => log.warn({ event: "push.shared", err: error }, error.message) }));
      disposers.push({ name: "shared pushes", run: () => pushes.stop() });
      disposers.push({ name: "shared notices", run: () => notices?.stop() });
    }

    const writer = new ResultWriter(store, { onError: (error) => log.error({ event: "store.write", err: error }, "writing check results failed; will retry") });
    disposers.push({ name: "result writer", run: () => writer.close() });
    disposers.push({ name: "notifications", run: () => dispatcher.stop({ drain: true, timeout_ms: options.drainMs ?? 5_000 }) });

    const offs = [
      events.on("check.result", (event) => {
        const { check, result } = event;
        // One record per check, updated in place: a new object per result (1,000 a second) is garbage
        // that lives long enough to be promoted, and the agent's memory is mostly such garbage.
        const last = lastResults.get(check.name);
        if (last) {
          last.at = event.startedAt;
          last.ok = result.ok;
          last.reason = result.reason;
          last.message = result.message;
          last.latencyMs = result.latencyMs;
        } else lastResults.set(check.name, { at: event.startedAt, ok: result.ok, reason: result.reason, message: result.message, latencyMs: result.latencyMs });
        metrics.recordResult(event);
        writer.write({ check: check.name, service: check.service, host: check.host, agent: vantage, at: event.startedAt, ok: result.ok, latencyMs: result.latencyMs, reason: result.reason, message: result.message });
      }),
      events.on("check.overrun", (event) => {
        metrics.recordOverrun(event);
        log.warn({ event: "check.overrun", check: event.check.name, overruns: event.overruns }, `check ${event.check.name} was still running when due again; this run is skipped`);
      }),
      // A service first seen up is routine (a thousand of them at start-up); every other change is news.
      events.on("service.changed", (change) => log[change.from === "unknown" && change.to === "up" ? "debug" : "info"]({ event: "service.changed", service: change.service, from: change.from, to: change.to, reason: change.reason }, `service ${change.service}: ${change.from} → ${change.to}`)),
      events.on("error", ({ source, error }) => log.error({ event: "agent.error", source, err: error }, `${source} failed`)),
    ];
    disposers.push({ name: "listeners", run: () => offs.reverse().forEach((off) => off()) });

    const begin = async (next: Topology) => {
      for (const problem of await push.useTopology(next, secret, clock.now())) log.error({ event: "push.token", check: problem.check }, `push check ${problem.check}: ${problem.error}`);
      const session = etcd?.session;
      generation = startGeneration({
        topology: next, clock, events, journal, vantage, run: agentProbeRunner(clock, secret, push), activeHost: (service) => failover?.activeHost(service.name),
        stoppedByDesign: (service, host) => failover?.stoppedByDesign(service, host) ?? false,
        ...(session ? {
          shared: (local, shown) => (shared = startSharedVerdicts({
            session, quorum: shown.agents.quorum, local, topology: shown, clock,
            onStatus: (quorum) => log[quorum.current ? "info" : "warn"]({ event: "quorum.status", current: quorum.current, vantages: quorum.vantages }, `shared verdicts ${quorum.current ? "current" : "frozen"}: ${quorum.reason}`),
            onError: (error, what) => log.warn({ event: "quorum.error", what, err: error }, `shared verdicts: ${what} failed; retrying`),
            onListenerError: (error) => log.error({ event: "quorum.listener", err: error }, "a verdict listener failed"),
          })),
        } : {}),
      });
    };
    await begin(topology);
    disposers.push({ name: "watcher", run: () => generation?.stop() });
    const acting = () => coordinator.isLeader();
    const backups = startAgentBackups({ acting, clock, store, config: () => config, dispatcher: () => dispatcher, registry: metrics.registry, dataDir, env: options.env, secret, beat: (token) => push.beat(token, clock.now()), log, activeHost: (service) => failover?.activeHost(service),
      mayReceive: (service, host) => failover?.mayReceive(service, host) ?? false });
    disposers.push({ name: "backups", run: () => backups.stop() });
    failover = startFailoverController({
      store, clock, log, dataDir, events, secret, topology: () => topology, config: () => config, dispatcher: () => dispatcher,
      verdicts: () => generation?.watcher.verdicts, refreshHealth: (at, reason) => void generation?.watcher.health.update({ at, reason }), probe: agentProbeRunner(clock, secret),
      coordinator, finalSync: hostFinalSync(() => config, dataDir, options.env),
    });
    disposers.push({ name: "failover", run: () => failover?.stop() });
    const drills = startDrillScheduler({ acting, coordinator, configFile, env: options.env, clock, store, config: () => config, log });
    disposers.push({ name: "drills", run: () => drills.stop() });
    const outside = startOutsideHeartbeat({ clock, config: () => config.agents.heartbeat, acting, secret, log, userAgent: `understudy/${AGENT_VERSION}` });
    disposers.push({ name: "outside heartbeat", run: () => outside.stop() });

    // Leading starts only now that the controller listens: a leadership gained earlier would go unheard.
    if (etcd) {
      const started = etcd.coordinator;
      await started.start();
      disposers.push({ name: "leadership", run: () => started.stop() });
    }

    let prune: TimerHandle | undefined;
    const schedulePrune = () => {
      prune = clock.setTimeout(() => {
        try {
          const pruned = pruneHistory(store, clock.now(), topology.agents.retention);
          log.debug({ event: "store.prune", ...pruned }, "pruned history");
        } catch (error) {
          log.error({ event: "store.prune", err: error }, "pruning history failed; will retry");
        }
        schedulePrune();
      }, PRUNE_EVERY_MS);
    };
    schedulePrune();
    disposers.push({ name: "pruning", run: () => clock.clearTimeout(prune) });

    let stopping: Promise<void> | undefined;
    let reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true, errors: [] });
    const reloadOnce = async (): Promise<ReloadOutcome> => {
      if (stopping) return { ok: false, errors: ["the agent is stopping"] };
      const next = loadConfig(configFile);
      if (!next.ok) {
        const errors = next.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
        metrics.recordReload(false, clock.now());
        log.error({ event: "config.reload", ok: false, errors }, `config reload refused (${errors.length} error${errors.length === 1 ? "" : "s"}); the previous config keeps running:\n${errors.join("\n")}`);
        return { ok: false, errors };
      }
      if (JSON.stringify(next.config) === JSON.stringify(config)) {
        metrics.recordReload(true, clock.now());
        log.info({ event: "config.reload", ok: true, changed: false }, "config reloaded: unchanged");
        return { ok: true, errors: [] };
      }
      const nextTopology = buildTopology(next.config);
      for (const key of ["listen", "data_dir", "name"] as const) {
        if (next.config.agents[key] !== config.agents[key]) log.warn({ event: "config.reload", key: `agents.${key}` }, `agents.${key} changed; it takes effect when the agent restarts`);
      }
      if (JSON.stringify(next.config.agents.coordination) !== JSON.stringify(config.agents.coordination)) {
        log.warn({ event: "config.reload", key: "agents.coordination" }, "agents.coordination changed; it takes effect when the agent restarts");
      }
      const before = checkNames(topology);
      const after = checkNames(nextTopology);
      // Built before anything is stopped: a dispatcher that cannot be built refuses the reload.
      const nextDispatcher = notifyChanged(topology, nextTopology) ? createDispatcher(nextTopology, clock, options.env, log, deliveries) : undefined;
      await generation?.stop();
      try {
        await begin(nextTopology);
      } catch (error) {
        // The new config validated but the engine refused it: go back to watching with the old one.
        log.error({ event: "config.reload", ok: false, err: error }, "config reload failed while starting the new watch; the previous config keeps running");
        metrics.recordReload(false, clock.now());
        await begin(topology);
        void nextDispatcher?.stop();
        return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
      }
      if (nextDispatcher) {
        const old = dispatcher;
        dispatcher = nextDispatcher;
        void old.stop({ drain: true, timeout_ms: options.drainMs ?? 5_000 });
      }
      topology = nextTopology;
      config = next.config;
      for (const name of before) if (!after.has(name)) lastResults.delete(name);
      metrics.recordReload(true, clock.now());
      const added = [...after].filter((name) => !before.has(name));
      const removed = [...before].filter((name) => !after.has(name));
      log.info({ event: "config.reload", ok: true, changed: true, added, removed, checks: after.size }, `config reloaded: ${after.size} checks (+${added.length} −${removed.length})`);
      return { ok: true, errors: [] };
    };
    const guardedReload = async (): Promise<ReloadOutcome> => {
      try {
        return await reloadOnce();
      } catch (error) {
        metrics.recordReload(false, clock.now());
        log.error({ event: "config.reload", ok: false, err: error }, "config reload failed");
        return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
      }
    };
    // One reload at a time: a save and a SIGHUP together run one after the other.
    const reload = () => (reloading = reloading.then(guardedReload));

    if (options.watchConfig ?? true) {
      const unwatch = watchConfigFile(configFile, () => void reload(), { onError: (error) => log.warn({ event: "config.watch", err: error }, "cannot watch the config file; SIGHUP still reloads") });
      disposers.push({ name: "config watch", run: unwatch });
    }
    log.info({ event: "agent.started", url: http.url, data_dir: dataDir, checks: checkNames(topology).size, version: AGENT_VERSION }, `agent started: ${checkNames(topology).size} checks, API on ${http.url}, state in ${dataDir}`);

    return {
      url: http.url,
      dataDir,
      status,
      reload,
      stop(stopOptions = {}) {
        if (stopOptions.force) void dispatcher.stop();
        if (!stopping) {
          stopping = (async () => {
            await reloading.catch(() => undefined);
            log.info({ event: "agent.stopping" }, "stopping: probes, then notifications, results and store");
            await unwind();
            log.info({ event: "agent.stopped" }, "stopped");
          })();
        }
        return stopping;
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
