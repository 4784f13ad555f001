// `understudy failover SERVICE [--to HOST] [--dry-run] [--force]` (and, through runMove, failback):
// plans the move, prints it, and with no --dry-run runs it with the journal in the data directory.
// Runs a crash left unfinished are settled first. The running agent is asked for its verdicts (so
// the guards know whether the standby is down); the store's fencing token stops an agent's own run
// of the same service if one is in flight, and the agent follows the active host the run leaves.
import { dirname, resolve } from "node:path";
import { createDispatcher } from "../agent/dispatcher.js";
import { silentLogger } from "../agent/log.js";
import { agentProbeRunner } from "../agent/probe-runner.js";
import { ConfigError } from "../config/diagnostics.js";
import { loadConfig } from "../config/load.js";
import { readSecret } from "../config/secret.js";
import { systemClock } from "../engine/clock.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import type { HealthState } from "../engine/verdict.js";
import { LocalCoordinator } from "../failover/coordinator.js";
import type { ExecuteDeps } from "../failover/execute.js";
import { Failovers } from "../failover/failovers.js";
import { describePlan } from "../failover/plan.js";
import { recordedReplicas } from "../failover/replica-check.js";
import { realSteps } from "../failover/steps.js";
import { buildTopology } from "../model/topology.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags } from "./options.js";
import { agentHeaders, agentUrl } from "./status.js";

export const usage = `Usage: understudy failover SERVICE [--to HOST] [--dry-run] [--force] [--config FILE]

  Moves SERVICE from its active host to a standby: fence the old one, check the standby's replica
  against the RPO, promote it, verify it with the service's own checks, switch DNS (read back),
  notify. Each step is journaled (see \`understudy history\`); a crash resumes or rolls back.
  --to HOST   the standby to move to (default: the first one not down)
  --dry-run   print the plan and the guards' verdict; change nothing
  --force     go ahead despite the guards (anti-flap, maintenance, a down standby) and a stale replica`;

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

/** failover and failback: the same flow, a different target. */
export async function runMove(kind: "failover" | "failback", argv: string[], io: Io, usageText: string): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, to: { type: "string" }, "dry-run": { type: "boolean" }, force: { type: "boolean" } }, usageText, true);
  const [service, ...extra] = positionals;
  if (service === undefined || extra.length > 0) throw new UsageError(`${kind} takes exactly one SERVICE`, usageText);
  if (kind === "failback" && values.to !== undefined) throw new UsageError("failback always moves back to the primary; --to is for failover", usageText);
  const opened = await openFailovers(configPath(values.config, io.env), io.env);
  try {
    const { failovers } = opened;
    if (!values["dry-run"]) {
      for (const result of await failovers.resume()) writeLine(io.stderr, `settled run #${result.runId} a crash left unfinished: ${result.status}: ${result.summary}`);
    }
    const planned = failovers.plan({ service, kind, to: values.to, force: values.force === true, reason: `asked by ${io.env.USER ?? "a person"} on the command line` });
    if (!planned.ok) throw new UsageError(planned.message, usageText);
    writeLine(io.stdout, describePlan(planned.plan).join("\n"));
    for (const refusal of planned.refusals) writeLine(io.stderr, `guard ${refusal.guard}: ${refusal.message}`);
    if (values["dry-run"]) {
      writeLine(io.stdout, planned.refusals.length > 0 ? "dry run: the guards above would refuse it (--force overrides); nothing was changed." : "dry run: nothing was changed.");
      return 0;
    }
    if (planned.refusals.length > 0) {
      writeLine(io.stderr, `${kind} refused by the guards above; --force overrides them. Nothing was changed.`);
      return 1;
    }
    const result = await failovers.run(planned.plan);
    const run = failovers.journal.get(result.runId)!;
    for (const step of run.steps) {
      writeLine(io.stdout, `  ${step.step.padEnd(13)} ${step.status}${step.finishedAt === undefined ? "" : ` ${step.finishedAt - step.startedAt} ms`}${step.output ? `  ${step.output.split("\n")[0]}` : ""}`);
    }
    writeLine(result.status === "done" ? io.stdout : io.stderr, `${result.status}: ${result.summary} (run #${result.runId})`);
    return result.status === "done" ? 0 : 1;
  } finally {
    await opened.close();
  }
}

export function failover(argv: string[], io: Io): Promise<number> {
  return runMove("failover", argv, io, usage);
}
