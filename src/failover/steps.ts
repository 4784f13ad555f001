// The real steps: fence and promote run the configured actions, check-replica asks the ReplicaCheck
// hook, verify runs the service's own checks on the new host through the probe registry, switch writes
// the DNS record through the provider registry (the provider reads it back), notify goes through the
// notification dispatcher; sync asks the FinalSync hook (the data path) to ship the fenced source's
// final snapshot. Undoing a fence runs `restore` (else promote) on the source; undoing a promote runs
// the fence on the target. Each is idempotent: running it twice leaves the world as running it once.
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Notification } from "../notify/notifier.js";
import { findDnsProviderKind } from "../dns/registry.js";
import type { DnsProvider } from "../dns/provider.js";
import type { ProbeRunner } from "../engine/scheduler.js";
import { runAction, type ActionEnv } from "./actions.js";
import { dnsRecordsOf } from "./config.js";
import type { DnsSwitchConfig, FailoverConfig } from "./config.js";
import type { StepActions, StepOutcome } from "./execute.js";
import type { RunRecord } from "./journal.js";
import type { Plan } from "./plan.js";
import type { ReplicaCheck } from "./replica-check.js";
import { noFinalSync, type FinalSync } from "./final-sync.js";

export interface StepDeps extends ActionEnv {
  settings(service: string): FailoverConfig;
  replicas: ReplicaCheck;
  probe: ProbeRunner;
  dispatcher(): Dispatcher | undefined;
  /** Ships a planned move's final snapshot (default: none available, so a planned move refuses). */
  finalSync?: FinalSync;
}

interface DnsTarget { provider: DnsProvider; kind: string; name: string; type: DnsSwitchConfig["type"]; ttl: number }

function dnsOf(deps: StepDeps, plan: Plan, signal: AbortSignal): DnsTarget[] {
  const rto = deps.topology().services.get(plan.service)?.target.rtoMs;
  return dnsRecordsOf(deps.settings(plan.service)).flatMap((dns) => {
    const entry = Object.entries(dns).find(([key, value]) => value !== undefined && findDnsProviderKind(key) !== undefined);
    if (!entry) return [];
    const provider = findDnsProviderKind(entry[0])!.create(entry[1], { secret: deps.secret, signal, ...(rto === undefined ? {} : { targetRtoMs: rto }) });
    return [{ provider, kind: entry[0], name: dns.name, type: dns.type, ttl: dns.ttl }];
  });
}

/**
 * Points every record at `address`, in the order configured, each read back by its provider. When one
 * fails, the records already written go back to `undoTo` (if given) before the step fails, so the names
 * never disagree about where the service is.
 */
async function writeDns(deps: StepDeps, plan: Plan, address: string, signal: AbortSignal, undoTo?: string): Promise<StepOutcome> {
  const records = dnsOf(deps, plan, signal);
  if (records.length === 0) return { status: "skipped", output: "no dns configured" };
  const seen: string[] = [];
  const written: DnsTarget[] = [];
  for (const dns of records) {
    const result = await dns.provider.write(dns.name, dns.type, [address], dns.ttl);
    if (!result.ok) {
      const undone: string[] = [];
      if (undoTo !== undefined) {
        for (const back of written.reverse()) {
          const reverted = await back.provider.write(back.name, back.type, [undoTo], back.ttl);
          undone.push(`${back.name} ${back.type} ${reverted.ok ? `back to ${undoTo}` : `NOT put back to ${undoTo}: ${reverted.message}`}`);
        }
      }
      const before = seen.length === 0 ? "" : `; written before it: ${seen.join("; ")}`;
      return { status: "failed", reason: result.reason, output: `${dns.name} ${dns.type}: ${result.message}${before}${undone.length === 0 ? "" : `; undone: ${undone.join("; ")}`}` };
    }
    written.push(dns);
    seen.push(`${result.changed ? "written" : "already set"}: ${dns.name} ${dns.type} reads ${result.record.values.join(", ")} (TTL ${result.record.ttl ?? "?"})${result.warnings.map((w) => `; warning: ${w}`).join("")}`);
  }
  return { status: "done", output: seen.join("; ") };
}

export function realSteps(deps: StepDeps): StepActions {
  return {
    async run(step, ctx) {
      const { plan, signal } = ctx;
      const service = deps.topology().services.get(plan.service);
      if (!service) return { status: "failed", reason: "invalid", output: `${plan.service} is no longer in the config` };
      const settings = deps.settings(plan.service);
      const target = { service: plan.service, from: plan.from, to: plan.to, step: step.name };
      switch (step.name) {
        case "fence":
          return settings.fence ? runAction(settings.fence, { ...target, defaultHost: plan.from }, deps, signal, step.timeoutMs) : { status: "skipped", output: "no fence configured" };
        case "promote":
          return settings.promote ? runAction(settings.promote, { ...target, defaultHost: plan.to }, deps, signal, step.timeoutMs) : { status: "skipped", output: "no promote configured: a hot standby" };
        case "sync":
          if (service.data.length === 0) return { status: "skipped", output: "the service declares no data" };
          return (deps.finalSync ?? noFinalSync).ship(plan.service, plan.from, plan.to, signal);
        case "check-replica": {
          if (service.data.length === 0) return { status: "skipped", output: "the service declares no data" };
          if (plan.planned && plan.steps.some((s) => s.name === "sync")) return { status: "done", output: `planned move: the final snapshot shipped from ${plan.from} is ${plan.to}'s data` };
          const age = await deps.replicas.ageMs(plan.service, plan.to, deps.now());
          const rpo = service.target.rpoMs;
          const forced = plan.forced || settings.force_stale_replica;
          const seen = age === undefined ? `no replica was ever recorded on ${plan.to}` : `the replica on ${plan.to} is ${Math.round(age / 1000)} s old`;
          if (rpo === undefined) return { status: "done", output: `${seen}; no target.rpo to judge it by` };
          if (age !== undefined && age <= rpo) return { status: "done", output: `${seen}, within the RPO of ${Math.round(rpo / 1000)} s` };
          return forced ? { status: "done", output: `${seen}, beyond the RPO of ${Math.round(rpo / 1000)} s: promoted anyway (forced)` }
            : { status: "failed", reason: "stale", output: `${seen}, beyond the RPO of ${Math.round(rpo / 1000)} s; --force (or force_stale_replica) promotes it anyway` };
        }
        case "verify": {
          const checks = service.checks.filter((check) => check.host === plan.to);
          if (checks.length === 0) {
            return plan.forced ? { status: "skipped", output: `no check watches ${plan.to}: not verified (forced)` } : { status: "failed", reason: "no-checks", output: `no check watches ${plan.to}` };
          }
          const results = await Promise.all(checks.map(async (check) => ({ check, result: await deps.probe(check, AbortSignal.any([signal, AbortSignal.timeout(check.timeoutMs)])) })));
          const failed = results.filter(({ result }) => !result.ok);
          const lines = results.map(({ check, result }) => `${check.name}: ${result.ok ? "ok" : `failed (${result.reason ?? "error"})`} ${result.message}`).join("; ");
          return failed.length === 0 ? { status: "done", output: lines } : { status: "failed", reason: "verify", output: lines };
        }
        case "switch":
          return writeDns(deps, plan, plan.addresses.to, signal, plan.addresses.from);
        case "notify":
          return { status: "skipped", output: "notify runs at the end of the run" };
      }
    },
    rollbackSwitch: (plan, signal) => writeDns(deps, plan, plan.addresses.from, signal),
    async undo(what, plan, signal) {
      const settings = deps.settings(plan.service);
      const timeoutMs = 60_000;
      if (what === "restore") {
        const action = settings.restore ?? settings.promote;
        const key = settings.restore ? "restore" : "promote";
        if (!action) return { status: "failed", reason: "unsupported", output: `nothing is configured to make ${plan.from} serve again: add failover.restore (e.g. systemctl start)` };
        if (action.ssh?.host !== undefined && action.ssh.host !== plan.from) return { status: "failed", reason: "unsupported", output: `failover.${key} runs on ${action.ssh.host}, not ${plan.from}: add failover.restore` };
        return runAction(action, { service: plan.service, from: plan.to, to: plan.from, step: "restore", defaultHost: plan.from }, deps, signal, action.timeout ?? timeoutMs);
      }
      const fence = settings.fence;
      if (!fence) return { status: "skipped", output: `no fence configured: ${plan.to} cannot be stopped by Understudy` };
      if (fence.ssh?.host !== undefined && fence.ssh.host !== plan.to) return { status: "failed", reason: "unsupported", output: `failover.fence runs on ${fence.ssh.host}: it cannot stop ${plan.to}` };
      return runAction(fence, { service: plan.service, from: plan.to, to: plan.from, step: "demote", defaultHost: plan.to }, deps, signal, fence.timeout ?? timeoutMs);
    },
    async notify(run: RunRecord, status, summary) {
      const dispatcher = deps.dispatcher();
      if (!dispatcher) return { status: "skipped", output: "no notifiers configured" };
      const service = deps.topology().services.get(run.service);
      const n: Notification = {
        key: `failover:${run.service}:${run.id}`,
        event: "action",
        severity: service?.criticality ?? "normal",
        at: deps.now(),
        title: status === "done" ? `${summary}` : `${run.kind === "failback" ? "Failback" : "Failover"} of ${run.service} ${status}: ${summary}`,
        body: [summary, ...run.steps.map((record) => `${record.step}: ${record.status}${record.finishedAt === undefined ? "" : ` in ${record.finishedAt - record.startedAt} ms`}${record.output ? ` (${record.output.slice(0, 200)})` : ""}`)].join("\n"),
        fields: { run_id: run.id, service: run.service, from: run.from, to: run.to, status, kind: run.kind, took_ms: deps.now() - (run.detectedAt ?? run.startedAt) },
      };
      return dispatcher.dispatch(n) ? { status: "done", output: "notification queued" } : { status: "skipped", output: "deduplicated or dispatcher stopped" };
    },
  };
}

/** The pending-fence retrier's fence: the service's fence action, run against `host`. */
export function fenceInstance(deps: StepDeps): (service: string, host: string, signal: AbortSignal) => Promise<StepOutcome> {
  return async (service, host, signal) => {
    const fence = deps.settings(service).fence;
    if (!fence) return { status: "failed", reason: "unsupported", output: `no fence configured for ${service}` };
    if (fence.ssh?.host !== undefined && fence.ssh.host !== host) return { status: "failed", reason: "unsupported", output: `failover.fence runs on ${fence.ssh.host}, not ${host}` };
    const placement = deps.topology().services.get(service)?.placement;
    const to = placement?.kind === "failover" ? [placement.primary, ...placement.standby].find((other) => other !== host) ?? host : host;
    return runAction(fence, { service, from: host, to, step: "fence", defaultHost: host }, deps, signal, fence.timeout ?? 30_000);
  };
}
