// The failover library opened on a config file: its topology, its data directory's store and journal,
// the agent's current verdicts (asked over its API, so the guards know whether the standby is down),
// the real step actions and a notifier. Shared by `understudy failover/failback`, drills and test runners.
//
// Coordination: with `agents.coordination: local` a LocalCoordinator on the store (as the agent's). With
// etcd the command is fenced like an agent: it opens its own session (named "<agent name>-cli-<pid>",
// so it never collides with the agent's own), takes the leader key only if it is free, mirrors the
// active hosts the leader recorded, and resigns when closed. When an agent leads, it refuses, naming it:
// the leader must do the move (on its dashboard), or two processes would race for the DNS record.
// `offline` (a dry run) uses no coordination at all, so planning works with etcd out of reach.
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { agentHeaders, agentUrl } from "../agent/client.js";
import { createDispatcher } from "../agent/dispatcher.js";
import { silentLogger } from "../agent/log.js";
import { agentProbeRunner } from "../agent/probe-runner.js";
import { AGENT_VERSION } from "../agent/version.js";
import { EtcdError } from "../coord/etcd-api.js";
import { openEtcdCoordination, type EtcdCoordination } from "../coord/etcd-coordinator.js";
import { ConfigError } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { systemClock } from "../engine/clock.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import type { HealthState } from "../engine/verdict.js";
import { buildTopology } from "../model/topology.js";
import type { Topology } from "../model/topology.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { LocalCoordinator, type Coordinator } from "./coordinator.js";
import type { ExecuteDeps } from "./execute.js";
import { Failovers } from "./failovers.js";
import { recordedReplicas } from "./replica-check.js";
import { hostFinalSync } from "./ship-final.js";
import { realSteps } from "./steps.js";

/** The command may not act: another process leads through etcd (an EtcdError, so the CLI prints it as one). */
export class CoordinationRefused extends EtcdError {
  constructor(message: string) {
    super(message, "request");
  }
}

export interface OpenOptions {
  afterStarted?: ExecuteDeps["afterStarted"];
  /** The caller's own coordinator (an agent opening the library in its process). */
  coordinator?: Coordinator;
  /** No coordination (a dry run): nothing is taken, etcd is not contacted. */
  offline?: boolean;
}

export interface OpenedFailovers {
  failovers: Failovers;
  close(): Promise<void>;
}

async function agentStates(listen: string, env: NodeJS.ProcessEnv): Promise<Map<string, HealthState>> {
  const states = new Map<string, HealthState>();
  try {
    const response = await fetch(`${agentUrl(listen)}/api/status`, { headers: agentHeaders(env), signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return states;
    const body = (await response.json()) as { services?: Array<{ name: string; instances: Array<{ host: string; state: string }> }> };
    for (const service of body.services ?? []) for (const instance of service.instances) states.set(`${service.name}@${instance.host}`, instance.state as HealthState);
  } catch {
    // No agent: nothing is known of the instances, and verify still checks the standby itself.
  }
  return states;
}

/** Each instance of a failover service, by its own checks run once: up when all pass, down when one fails. */
async function probeInstances(topology: Topology, probe: ProbeRunner): Promise<Map<string, HealthState>> {
  const states = new Map<string, HealthState>();
  const work: Array<Promise<void>> = [];
  for (const service of topology.services.values()) {
    if (service.placement.kind !== "failover") continue;
    for (const host of [service.placement.primary, ...service.placement.standby]) {
      const checks = service.checks.filter((check) => check.host === host);
      if (checks.length === 0) continue;
      work.push(Promise.all(checks.map((check) => probe(check, AbortSignal.timeout(check.timeoutMs + 1_000)).catch(() => ({ ok: false }))))
        .then((results) => void states.set(`${service.name}@${host}`, results.every((result) => result.ok) ? "up" : "down")));
    }
  }
  await Promise.all(work);
  return states;
}

/** The failover library on the config file's topology and data directory (also used by test runners). */
export async function openFailovers(file: string, env: NodeJS.ProcessEnv, extra: OpenOptions = {}): Promise<OpenedFailovers> {
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const topology = buildTopology(loaded.config);
  const store = openStore(storePathIn(resolveDataDir(topology.agents.data_dir, env, dirname(resolve(file)))));
  const dataDir = resolveDataDir(topology.agents.data_dir, env, dirname(resolve(file)));
  const clock = systemClock;
  const secret = (ref: string) => readSecret(ref, env);
  const dispatcher = createDispatcher(topology, clock, env, silentLogger());
  const states = await agentStates(topology.agents.listen, env);
  // No agent answered: the instances of failover services are asked once here. Without it a person's
  // switchover of a healthy primary would be planned as an unplanned failover: no fence required, no
  // final sync, and the writes since the last replica lost.
  if (states.size === 0) for (const [key, state] of await probeInstances(topology, agentProbeRunner(systemClock, (ref) => readSecret(ref, env)))) states.set(key, state);
  const maintenance = new MaintenanceSchedule(topology.maintenance);
  const coordination = topology.agents.coordination;
  let etcd: EtcdCoordination | undefined;
  let coordinator: Coordinator = extra.coordinator ?? new LocalCoordinator(store, () => clock.now());
  let failovers: Failovers | undefined;
  if (!extra.coordinator && !extra.offline && coordination !== "local") {
    try {
      etcd = await openEtcdCoordination(coordination.etcd, {
        name: `${topology.agents.name ?? hostname()}-cli-${process.pid}`, card: { version: AGENT_VERSION, startedAt: Date.now() }, secret,
        onActive: (service, host) => void failovers?.follow(service, host),
      });
    } catch (error) {
      await dispatcher.stop();
      store.close();
      throw error;
    }
    coordinator = etcd.coordinator;
  }
  failovers = new Failovers({
    store, clock, topology: () => topology,
    block: (service) => loaded.config.services[service]?.failover,
    coordinator,
    actions: realSteps({
      topology: () => topology, settings: (service) => failovers!.settings(service), replicas: recordedReplicas(dataDir), probe: agentProbeRunner(clock, secret), dispatcher: () => dispatcher, secret, now: () => clock.now(),
      finalSync: hostFinalSync(() => loaded.config, dataDir, env),
    }),
    instanceState: (service, host) => states.get(`${service}@${host}`) ?? "unknown",
    replicas: recordedReplicas(dataDir),
    maintenance: (service, host) => maintenance.activeWindows(clock.now(), { service, host })[0],
    ...(extra.afterStarted ? { afterStarted: extra.afterStarted } : {}),
  });
  const close = async () => {
    await etcd?.close({ resign: true });
    await dispatcher.stop({ drain: true, timeout_ms: 5_000 });
    store.close();
  };
  if (etcd) {
    const opened = failovers;
    await etcd.coordinator.start().catch(async (error: unknown) => {
      await close();
      throw error;
    });
    if (!etcd.coordinator.isLeader()) {
      const leader = etcd.coordinator.leader();
      await close();
      throw new CoordinationRefused(leader === undefined
        ? `etcd (${coordination === "local" ? "" : coordination.etcd.endpoints.join(", ")}) did not confirm this command as the leader; nothing was changed. Try again, or use --dry-run to see the plan`
        : `${leader} is the leader in etcd and only the leader acts: nothing was changed. Run this on ${leader}'s dashboard (or stop that agent first); --dry-run still shows the plan here`);
    }
    return { failovers: opened, close };
  }
  return { failovers, close };
}
