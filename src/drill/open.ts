// A drill on a config file: the failover library, the store's drill journal, the probes, the agent if
// one answers, wired into a real world. What `understudy drill` and the agent's drill scheduler call.
import { dirname, resolve } from "node:path";
import { agentProbeRunner } from "../agent/probe-runner.js";
import { openFailovers, type OpenOptions } from "../failover/open.js";
import { agentUrl, loginHint } from "../agent/client.js";
import { ConfigError } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { systemClock } from "../engine/clock.js";
import { recordedReplicas } from "../failover/replica-check.js";
import { buildTopology } from "../model/topology.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { agentView } from "./agent-view.js";
import { drillDeadlineMs, type Scenario } from "./config.js";
import { DrillJournal } from "./journal.js";
import { newDrill, type Drill } from "./machine.js";
import { currentOwner, ownerAlive, realWorld } from "./real-world.js";
import { runDrill, settleDrill, type RunDeps } from "./run.js";

export interface DrillRequest {
  service: string;
  scenario: Scenario;
  onChange?: (drill: Drill) => void;
}

export interface OpenedDrills {
  journal: DrillJournal;
  /** Restores every drill whose process is gone (kill -9, reboot); returns them as settled. */
  settle(options?: { onChange?: (drill: Drill) => void; resumeFailovers?: boolean }): Promise<Drill[]>;
  /** Everything a dry run prints: who acts, the actions, and the preconditions' verdict now. */
  prepare(request: DrillRequest): Promise<{ drill: Drill; problems: string[]; describe: string[]; run(): Promise<Drill> }>;
  close(): Promise<void>;
}

/**
 * `options` go to the failover library: the agent passes its own coordinator (it already holds the
 * etcd leader key, so a second session could never take it); a dry run passes `offline`.
 */
export async function openDrills(file: string, env: NodeJS.ProcessEnv, options: OpenOptions = {}): Promise<OpenedDrills> {
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const doc = loaded.config;
  const topology = buildTopology(doc);
  const dataDir = resolveDataDir(topology.agents.data_dir, env, dirname(resolve(file)));
  const store = openStore(storePathIn(dataDir));
  const journal = new DrillJournal(store);
  const opened = await openFailovers(file, env, options).catch((error: unknown) => {
    store.close();
    throw error;
  });
  const { failovers } = opened;
  const clock = systemClock;
  const secret = (ref: string) => readSecret(ref, env);
  const view = agentView(agentUrl(topology.agents.listen), env);
  const agent = (await view.status()) === undefined ? undefined : view;

  const worldFor = (service: string, scenario: Scenario, drillId: () => number) => {
    const found = topology.services.get(service);
    if (found?.placement.kind !== "failover" || found.placement.standby.length === 0) throw new Error(`bug: ${service} has no primary + standby (the caller checks): there is no failover to drill`);
    const { primary } = found.placement;
    const standby = found.placement.standby[0]!;
    const world = realWorld({ doc, topology, service: found, primary, standby, scenario, drillId, clock, failovers, replicas: recordedReplicas(dataDir), probe: agentProbeRunner(clock, secret), secret, agent });
    return { found, primary, standby, world };
  };
  const deps = (world: RunDeps["world"], deadlineMs: number, onChange?: (drill: Drill) => void): RunDeps => ({ clock, journal, world, deadlineMs, ...(onChange ? { onChange } : {}) });

  return {
    journal,
    async settle({ onChange, resumeFailovers = true } = {}) {
      // A failover run left unfinished comes first: the drill's failback must start from a settled journal.
      // In the agent its failover controller does that itself, and two resumes of one run must not race.
      if (resumeFailovers) await failovers.resume();
      const settled: Drill[] = [];
      for (const drill of journal.unfinished()) {
        if (ownerAlive(drill.owner)) continue;
        const { world } = worldFor(drill.service, drill.scenario, () => drill.id);
        settled.push(await settleDrill(deps(world, 0, onChange), drill));
      }
      return settled;
    },
    async prepare(request) {
      let id = 0;
      const { found, primary, standby, world } = worldFor(request.service, request.scenario, () => id);
      const drill = newDrill({ service: request.service, scenario: request.scenario, mode: world.mode, primary, standby, owner: currentOwner(), targetRtoMs: found.target.rtoMs, startedAt: clock.now() });
      const deadlineMs = drillDeadlineMs(doc.services[request.service]?.drill, found.target.rtoMs);
      const problems = [...(view.refusedLogin ? [`the agent at ${agentUrl(topology.agents.listen)} answered 401: ${loginHint(env)}. A drill must see the running agent, which may fail over itself`] : []), ...(await world.preconditions())];
      const describe = [
        `drill of ${request.service} (${request.scenario}): ${primary} made to fail, ${standby} should take over`,
        world.mode === "agent" ? "  the running agent detects the failure and fails over (automatic mode); the drill watches and measures"
          : `  the drill detects the failure itself (${world.failureThreshold} failed check${world.failureThreshold === 1 ? "" : "s"} in a row) and fails over with the failover library${agent ? " (the agent runs in manual mode)" : " (no agent answered)"}`,
        `  abort and restore if another service degrades or the standby is not serving ${Math.round(deadlineMs / 1000)} s after the failure`,
        `  then: undo the failure, fail back to ${primary}, see it serve`,
      ];
      return {
        drill, problems, describe,
        run: () => runDrill(deps({ ...world, preconditions: async () => problems }, deadlineMs, (saved) => {
          id = saved.id;
          request.onChange?.(saved);
        }), drill),
      };
    },
    async close() {
      await opened.close();
      store.close();
    },
  };
}
