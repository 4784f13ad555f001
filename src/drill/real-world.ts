// The real DrillWorld: the scenario's inject/restore actions (ssh, command or webhook, as failover's
// fence and promote are run), the service's own checks through the probe registry, the DNS record
// through its provider, the marker probes as local commands, the failover library for the failover
// and the failback, and the running agent's /api/status for incidents and other services' health.
import { execFile } from "node:child_process";
import type { ConfigDocument } from "../config/schema.js";
import type { Clock } from "../engine/clock.js";
import { MaintenanceSchedule } from "../engine/maintenance.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import { findDnsProviderKind } from "../dns/registry.js";
import { runAction, type ActionEnv } from "../failover/actions.js";
import type { ActionConfig } from "../failover/config.js";
import type { Failovers } from "../failover/failovers.js";
import type { ReplicaCheck } from "../failover/replica-check.js";
import { ownerAlive as aliveOwner, type Owner } from "../failover/owner.js";
import type { Service, Topology } from "../model/topology.js";
import { blastRadius } from "./blast-radius.js";
import type { DrillDocument, Scenario } from "./config.js";
import { openIncidents, unhealthyServices, type AgentView } from "./agent-view.js";
import type { Done, DrillWorld, FailoverSeen } from "./world.js";

export interface RealWorldInput {
  doc: ConfigDocument;
  topology: Topology;
  service: Service;
  primary: string;
  standby: string;
  scenario: Scenario;
  drillId: () => number;
  clock: Clock;
  failovers: Failovers;
  replicas: ReplicaCheck;
  probe: ProbeRunner;
  secret(ref: string): Promise<string>;
  /** The running agent, when one answered. */
  agent: AgentView | undefined;
}

export function drillBlock(doc: ConfigDocument, service: string): DrillDocument | undefined {
  return doc.services[service]?.drill;
}

/** The inject and restore actions of a scenario (stop falls back to the failover's fence and promote). */
export function scenarioActions(input: Pick<RealWorldInput, "doc" | "service" | "scenario">): { inject: ActionConfig | undefined; restore: ActionConfig | undefined } {
  const block = drillBlock(input.doc, input.service.name);
  const own = block?.scenarios[input.scenario];
  if (own) return { inject: own.inject, restore: own.restore };
  if (input.scenario !== "stop") return { inject: undefined, restore: undefined };
  const failover = input.doc.services[input.service.name]?.failover;
  return { inject: failover?.fence, restore: failover?.promote };
}

function runCommand(argv: readonly string[], env: Record<string, string>, signal: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, signal, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function realWorld(input: RealWorldInput): DrillWorld {
  const { doc, topology, service, primary, standby, clock, failovers } = input;
  const block = drillBlock(doc, service.name);
  const settings = failovers.settings(service.name);
  const actions = scenarioActions(input);
  const address = (host: string) => topology.hosts.get(host)?.address ?? host;
  const env: ActionEnv = { topology: () => topology, secret: input.secret, now: () => clock.now() };
  const target = (step: string, defaultHost: string) => ({ service: service.name, from: primary, to: standby, step, defaultHost });
  const act = async (action: ActionConfig | undefined, step: string, missing: Done): Promise<Done> => {
    if (!action) return missing;
    const outcome = await runAction(action, target(step, primary), env, AbortSignal.timeout(action.timeout ?? 30_000), action.timeout ?? 30_000);
    return { ok: outcome.status !== "failed", output: outcome.output.trim().split("\n")[0] ?? "" };
  };
  const checksOn = (host: string) => service.checks.filter((check) => check.host === host);
  const passes = async (host: string) => {
    const checks = checksOn(host);
    if (checks.length === 0) return false;
    const results = await Promise.all(checks.map((check) => input.probe(check, AbortSignal.timeout(check.timeoutMs))));
    return results.every((result) => result.ok);
  };
  /** What each of the failover's records reads now (undefined without a `dns:` block). */
  const dnsValues = async (): Promise<string[][] | undefined> => {
    const records = (settings.dns ?? []).flatMap((dns) => {
      const entry = Object.entries(dns).find(([key, value]) => value !== undefined && findDnsProviderKind(key) !== undefined);
      return entry ? [{ dns, entry }] : [];
    });
    if (records.length === 0) return undefined;
    return Promise.all(records.map(async ({ dns, entry }) => {
      const provider = findDnsProviderKind(entry[0])!.create(entry[1], { secret: input.secret, signal: AbortSignal.timeout(5_000) });
      const state = await provider.read(dns.name, dns.type);
      return state.ok ? state.values : [];
    }));
  };
  const markerEnv = (marker: string, host: string) => ({ UNDERSTUDY_MARKER: marker, UNDERSTUDY_SERVICE: service.name, UNDERSTUDY_HOST: host, UNDERSTUDY_ADDRESS: address(host) });
  const primaryChecks = checksOn(primary);
  let baseline: Set<string> | undefined;
  const spared = blastRadius(topology, service.name);

  return {
    mode: settings.mode === "automatic" && input.agent !== undefined ? "agent" : "self",
    pollMs: 200,
    checkIntervalMs: Math.min(...primaryChecks.map((check) => check.intervalMs), 60_000),
    failureThreshold: Math.max(1, ...primaryChecks.map((check) => check.failureThreshold)),
    rpoMs: service.target.rpoMs,

    async preconditions() {
      const problems: string[] = [];
      if (failovers.activeHost(service.name) !== primary) problems.push(`${service.name} runs on ${failovers.activeHost(service.name)}, not its primary ${primary}: fail back first`);
      if (failovers.journal.unfinished().some((run) => run.service === service.name)) problems.push(`a failover of ${service.name} is in progress`);
      if (!actions.inject) problems.push(`no way to cause the ${input.scenario} failure: set services.${service.name}.drill.scenarios.${input.scenario}.inject${input.scenario === "stop" ? " (or failover.fence)" : ""}`);
      if (primaryChecks.length === 0 || checksOn(standby).length === 0) problems.push(`a drill needs checks on both ${primary} and ${standby} (on: HOST) to see the failure and the standby serving`);
      else {
        if (!(await passes(standby))) problems.push(`the standby ${standby} fails its checks: it could not take over`);
        if (!(await passes(primary))) problems.push(`the primary ${primary} fails its checks already: nothing to drill`);
      }
      if (service.data.length > 0 && service.target.rpoMs !== undefined && !settings.force_stale_replica) {
        const age = await input.replicas.ageMs(service.name, standby, clock.now());
        if (age === undefined || age > service.target.rpoMs) problems.push(`the replica on ${standby} is ${age === undefined ? "unknown (never shipped)" : `${Math.round(age / 1000)} s old`}, beyond the RPO of ${Math.round(service.target.rpoMs / 1000)} s`);
      }
      const live = await input.agent?.status();
      baseline = live ? unhealthyServices(live) : undefined;
      const open = live ? openIncidents(live) : [];
      if (open.length > 0) problems.push(`open incident${open.length === 1 ? "" : "s"}: ${open.join("; ")}`);
      const windows = block?.windows ?? [];
      if (windows.length > 0) {
        try {
          const schedule = new MaintenanceSchedule(windows.map((window, index) => ({ ...window, name: `drill window ${index + 1}`, hosts: [], services: [] })));
          if (!schedule.isInMaintenance(clock.now())) problems.push(`outside every drill window (services.${service.name}.drill.windows)`);
        } catch (error) {
          problems.push((error as Error).message.replace("maintenance window", "drill window"));
        }
      }
      if ((block?.probe_write === undefined) !== (block?.probe_read === undefined)) problems.push("drill.probe_write and drill.probe_read go together");
      const planned = failovers.plan({ service: service.name, kind: "failover", to: standby, force: false, reason: "drill preconditions" });
      if (!planned.ok) problems.push(planned.message);
      else for (const refusal of planned.refusals) problems.push(`the failover guards would refuse it: ${refusal.message}`);
      return problems;
    },

    async writeMarker(marker) {
      if (!block?.probe_write) return undefined;
      const result = await runCommand(block.probe_write, markerEnv(marker, primary), AbortSignal.timeout(30_000));
      const written = result.stdout.trim().split("\n").pop() ?? "";
      return { ok: result.code === 0, output: result.code === 0 ? `wrote ${written || marker}` : `exit ${result.code}: ${result.stderr.trim().slice(0, 200)}`, written: written || marker };
    },
    inject: () => act(actions.inject, "drill-inject", { ok: false, output: "no inject action" }),
    primaryUp: () => passes(primary),
    async startFailover(detectedAt) {
      const planned = failovers.plan({ service: service.name, kind: "failover", to: standby, force: false, reason: `drill #${input.drillId()}: ${primary} made to fail (${input.scenario})`, detectedAt });
      if (!planned.ok) return { ok: false, output: planned.message };
      if (planned.refusals.length > 0) return { ok: false, output: planned.refusals.map((refusal) => refusal.message).join("; ") };
      void failovers.run(planned.plan).catch(() => undefined);
      return { ok: true, output: "failover started" };
    },
    failoverRun(since): FailoverSeen | undefined {
      const run = failovers.journal.list({ service: service.name, since }).find((record) => record.kind === "failover");
      if (!run) return undefined;
      const switchStep = run.steps.find((step) => step.step === "switch" && (step.status === "done" || step.status === "skipped"));
      return { id: run.id, status: run.status, detectedAt: run.detectedAt, startedAt: run.startedAt, switchedAt: switchStep?.finishedAt, summary: run.summary };
    },
    async dnsAtStandby() {
      const values = await dnsValues();
      return values === undefined ? undefined : values.every((record) => record.includes(address(standby)));
    },
    standbyServes: () => passes(standby),
    async readMarker(marker, written) {
      if (!block?.probe_read) return "unknown";
      const result = await runCommand(block.probe_read, { ...markerEnv(marker, standby), UNDERSTUDY_WRITTEN: written }, AbortSignal.timeout(30_000));
      return result.code === 0 ? "present" : result.code === 1 ? "missing" : "unknown";
    },
    replicaAgeMs: () => (service.data.length === 0 ? Promise.resolve(undefined) : input.replicas.ageMs(service.name, standby, clock.now())),
    async othersDegraded() {
      const live = baseline ? await input.agent?.status() : undefined;
      if (!live || !baseline) return [];
      const before = baseline;
      return [...unhealthyServices(live)].filter((name) => !before.has(name) && !spared.has(name));
    },
    undoInjection: () => act(actions.restore, "drill-restore", { ok: true, output: "no restore action configured: nothing to undo" }),
    async failback() {
      // A failover still running (the agent's) must end first, or it would switch after we switched back.
      for (let i = 0; i < 300 && failovers.journal.unfinished().some((run) => run.service === service.name); i++) await new Promise((done) => setTimeout(done, 200));
      if (failovers.activeHost(service.name) === primary) return { ok: true, output: `${service.name} already runs on ${primary}` };
      const planned = failovers.plan({ service: service.name, kind: "failback", force: true, reason: `drill #${input.drillId()}: restore the original state` });
      if (!planned.ok) return { ok: false, output: planned.message };
      const result = await failovers.run(planned.plan);
      return { ok: result.status === "done", output: `${result.status}: ${result.summary} (run #${result.runId})` };
    },
    async primaryRestored() {
      if (!(await passes(primary))) return false;
      const values = await dnsValues();
      return values === undefined || values.every((record) => record.length === 1 && record[0] === address(primary));
    },
  };
}

/** Who runs a drill: a later start settles a drill only when this process is gone (another host's: never). */
export { currentOwner } from "../failover/owner.js";
export const ownerAlive = (owner: Owner): boolean => aliveOwner(owner) ?? true;
