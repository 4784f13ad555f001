// The failover library opened on a config file: its topology, its data directory's store and journal,
// the agent's current verdicts (asked over its API, so the guards know whether the standby is down),
// the real step actions and a notifier. Shared by `understudy failover/failback`, drills and test runners.
import { dirname, resolve } from "node:path";
import { agentHeaders, agentUrl } from "../agent/client.js";
import { createDispatcher } from "../agent/dispatcher.js";
import { silentLogger } from "../agent/log.js";
import { agentProbeRunner } from "../agent/probe-runner.js";
import { ConfigError } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { systemClock } from "../engine/clock.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import type { HealthState } from "../engine/verdict.js";
import { buildTopology } from "../model/topology.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { LocalCoordinator } from "./coordinator.js";
import type { ExecuteDeps } from "./execute.js";
import { Failovers } from "./failovers.js";
import { recordedReplicas } from "./replica-check.js";
import { realSteps } from "./steps.js";

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

/** The failover library on the config file's topology and data directory (also used by test runners). */
export async function openFailovers(file: string, env: NodeJS.ProcessEnv, extra: { afterStarted?: ExecuteDeps["afterStarted"] } = {}): Promise<OpenedFailovers> {
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const topology = buildTopology(loaded.config);
  const store = openStore(storePathIn(resolveDataDir(topology.agents.data_dir, env, dirname(resolve(file)))));
  const dataDir = resolveDataDir(topology.agents.data_dir, env, dirname(resolve(file)));
  const clock = systemClock;
  const secret = (ref: string) => readSecret(ref, env);
  const dispatcher = createDispatcher(topology, clock, env, silentLogger());
  const states = await agentStates(topology.agents.listen, env);
  const maintenance = new MaintenanceSchedule(topology.maintenance);
  const failovers: Failovers = new Failovers({
    store, clock, topology: () => topology,
    block: (service) => loaded.config.services[service]?.failover,
    coordinator: new LocalCoordinator(store, () => clock.now()),
    actions: realSteps({ topology: () => topology, settings: (service) => failovers.settings(service), replicas: recordedReplicas(dataDir), probe: agentProbeRunner(clock, secret), dispatcher: () => dispatcher, secret, now: () => clock.now() }),
    instanceState: (service, host) => states.get(`${service}@${host}`) ?? "unknown",
    maintenance: (service, host) => maintenance.activeWindows(clock.now(), { service, host })[0],
    ...(extra.afterStarted ? { afterStarted: extra.afterStarted } : {}),
  });
  return {
    failovers,
    async close() {
      await dispatcher.stop({ drain: true, timeout_ms: 5_000 });
      store.close();
    },
  };
}
