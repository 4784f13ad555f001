// Builds a failover plan: pure, from the topology, the service's failover settings and the moment.
// A plan is data (steps with their timeout and retry policy), so `--dry-run` prints exactly what a
// real run would do, and the journal stores it so a resumed run does what was planned.
//
// The order is the safety argument: fence (the old active stops serving, where it can be reached) →
// sync (planned moves only: a final snapshot taken on the fenced source, shipped to the target, so
// nothing acknowledged is lost) → check-replica (the standby's data is recent enough) → promote →
// verify (the standby passes the service's own checks, retried for `verify_timeout`) → switch (DNS,
// read back) → notify. Traffic never moves before verify passed.
// A planned move (a switchover: a person moves a healthy primary; a failback) requires its fence (when
// one is configured) and its sync; an unplanned failover has no sync step and loses at most the
// replica's age, which check-replica judges against target.rpo.
import type { Service, Topology } from "../model/topology.js";
import type { Owner } from "./owner.js";
import { dnsRecordsOf, kindsOf, ACTION_KINDS, type ActionConfig, type FailoverConfig } from "./config.js";

export const STEP_NAMES = ["fence", "sync", "check-replica", "promote", "verify", "switch", "notify"] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** How a step is retried: attempts in all, exponential delay between them, and failures never worth a retry. */
export interface RetryPolicy {
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Failure reasons a retry cannot help (a refused key, a stale replica…): the step fails at once. */
  final: readonly string[];
  /** Retries stop once this long has passed since the first attempt (verify: `verify_timeout`). */
  withinMs?: number;
}

const FINAL = ["auth", "host_key", "secret", "invalid", "stale", "no-checks", "unsupported", "key"];

/** Retry policy per step. verify retries longest: a promoted service may need a few seconds to listen. */
export const RETRY_POLICIES: Readonly<Record<StepName, RetryPolicy>> = {
  // A host that cannot be reached (or does not answer in time) is not retried here, while the service is
  // down: the run goes on and the pending-fence retrier fences it after (src/failover/pending-fences.ts).
  fence: { attempts: 2, minDelayMs: 500, maxDelayMs: 1_000, final: [...FINAL, "unreachable", "timeout"] },
  sync: { attempts: 2, minDelayMs: 1_000, maxDelayMs: 2_000, final: FINAL },
  "check-replica": { attempts: 1, minDelayMs: 0, maxDelayMs: 0, final: FINAL },
  promote: { attempts: 3, minDelayMs: 500, maxDelayMs: 2_000, final: FINAL },
  verify: { attempts: 6, minDelayMs: 250, maxDelayMs: 2_000, final: FINAL },
  switch: { attempts: 3, minDelayMs: 500, maxDelayMs: 2_000, final: FINAL },
  notify: { attempts: 1, minDelayMs: 0, maxDelayMs: 0, final: FINAL },
};

const DEFAULT_TIMEOUT_MS: Readonly<Record<StepName, number>> = {
  fence: 30_000, sync: 10 * 60_000, "check-replica": 10_000, promote: 60_000, verify: 30_000, switch: 30_000, notify: 5_000,
};

/** The delay before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attempt - 1));
}

export interface PlannedStep {
  readonly name: StepName;
  /** What it will do, in words ("ssh root@L001: systemctl stop headscale"). */
  readonly description: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** A failure of a required step stops the plan and rolls back; a best-effort one is journaled and passed. */
  readonly required: boolean;
  /** The step waits until then (promote: the old primary's self-fence time). */
  readonly notBefore?: number;
}

export interface Plan {
  readonly service: string;
  readonly kind: "failover" | "failback";
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly forced: boolean;
  /** A switchover or failback: fence and sync before promote (absent in runs journaled before it existed). */
  readonly planned?: boolean;
  readonly createdAt: number;
  /** When the failure that asked for it was confirmed (undefined: a person asked). */
  readonly detectedAt: number | undefined;
  /** The addresses the DNS record holds before and after. */
  readonly addresses: { readonly from: string; readonly to: string };
  readonly steps: readonly PlannedStep[];
  /** The process running it, recorded when the run begins (absent in runs journaled before it existed). */
  readonly owner?: Owner;
}

export interface PlanInput {
  topology: Topology;
  service: Service;
  config: FailoverConfig;
  kind: "failover" | "failback";
  from: string;
  to: string;
  reason: string;
  force: boolean;
  /** A planned move (switchover, failback): the source is fenced and its final data shipped first. */
  planned?: boolean;
  now: number;
  detectedAt?: number | undefined;
  /** When the old active was last seen serving; the promote waits for its self-fence time from then. */
  lastSeenUp?: number | undefined;
}

function describeAction(action: ActionConfig | undefined, defaultHost: string, topology: Topology): string | undefined {
  if (!action) return undefined;
  const kind = kindsOf(action, ACTION_KINDS)[0];
  if (kind === "ssh" && action.ssh) {
    const host = action.ssh.host ?? defaultHost;
    const user = topology.hosts.get(host)?.ssh?.user ?? "root";
    return `ssh ${user}@${host}: ${action.ssh.command.join(" ")}`;
  }
  if (kind === "command" && action.command) return `run locally: ${action.command.join(" ")}`;
  if (kind === "webhook" && action.webhook) return `${action.webhook.method} ${action.webhook.url}`;
  return undefined;
}

export function buildPlan(input: PlanInput): Plan {
  const { topology, service, config, from, to } = input;
  const address = (host: string) => topology.hosts.get(host)?.address ?? host;
  const step = (name: StepName, description: string, required: boolean, extra: { timeoutMs?: number | undefined; notBefore?: number; retry?: RetryPolicy } = {}): PlannedStep => ({
    name, description, required,
    timeoutMs: extra.timeoutMs ?? DEFAULT_TIMEOUT_MS[name],
    retry: extra.retry ?? RETRY_POLICIES[name],
    ...(extra.notBefore !== undefined && extra.notBefore > input.now ? { notBefore: extra.notBefore } : {}),
  });
  const rpo = service.target.rpoMs;
  const staleAllowed = input.force || config.force_stale_replica;
  const checks = service.checks.filter((check) => check.host === to).map((check) => check.name);
  const records = dnsRecordsOf(config).map((dns) => ({ ...dns, kind: Object.keys(dns).find((key) => !["name", "type", "ttl"].includes(key) && (dns as Record<string, unknown>)[key] !== undefined) }));
  const planned = input.planned === true;
  const fence = describeAction(config.fence, from, topology);
  const selfFenceAt = input.lastSeenUp === undefined || config.self_fence_after === 0 ? undefined : input.lastSeenUp + config.self_fence_after;

  return {
    service: service.name, kind: input.kind, from, to, reason: input.reason, forced: input.force, planned,
    createdAt: input.now, detectedAt: input.detectedAt,
    addresses: { from: address(from), to: address(to) },
    steps: [
      step("fence", fence ?? `nothing configured: ${from} is not fenced${planned ? " and may write after the final snapshot" : ""}`, config.fence?.required === true || (planned && fence !== undefined && !input.force), { timeoutMs: config.fence?.timeout }),
      ...(planned ? [step("sync", service.data.length === 0 ? "no data: nothing to ship"
        : `final snapshot of ${service.data.length === 1 ? "the data" : `${service.data.length} data paths`} taken on ${from}, shipped to ${to}`, !input.force)] : []),
      step("check-replica", service.data.length === 0 ? "no data: nothing to check"
        : planned ? `the final snapshot from ${from} is the replica: nothing older to judge`
        : rpo === undefined ? `replica age of ${to} recorded, not judged (no target.rpo)`
        : `replica on ${to} must be younger than the RPO (${Math.round(rpo / 1000)} s)${staleAllowed ? ", or promoted anyway (forced)" : ""}`, !staleAllowed),
      step("promote", describeAction(config.promote, to, topology) ?? `nothing configured: ${to} is a hot standby`, true, {
        timeoutMs: config.promote?.timeout,
        ...(selfFenceAt === undefined ? {} : { notBefore: selfFenceAt }),
      }),
      step("verify", checks.length > 0 ? `run ${checks.join(", ")} against ${to}, retried for up to ${Math.round(config.verify_timeout / 1000)} s` : `no check watches ${to}: cannot verify (add a check with on: ${to})`, true, {
        retry: { ...RETRY_POLICIES.verify, attempts: Math.max(RETRY_POLICIES.verify.attempts, Math.ceil(config.verify_timeout / RETRY_POLICIES.verify.minDelayMs) + 1), withinMs: config.verify_timeout },
      }),
      step("switch", records.length === 0 ? "no dns configured: traffic is not switched by Understudy"
        : `${records.map((dns) => `${dns.kind}: ${dns.name} ${dns.type}`).join(", ")} ${address(from)} → ${address(to)} (TTL ${[...new Set(records.map((dns) => dns.ttl))].join("/")} s), read back${records.length > 1 ? "; together: if one fails, those written go back" : ""}`, true),
      step("notify", `tell the notifiers what happened and how long it took`, false),
    ],
  };
}

/** The plan as lines a person reads (dry-run, logs). */
export function describePlan(plan: Plan): string[] {
  return [
    `${plan.kind} of ${plan.service}: ${plan.from} → ${plan.to} (${plan.reason})${plan.forced ? " [forced]" : ""}`,
    ...plan.steps.map((step, index) => `  ${index + 1}. ${step.name.padEnd(13)} ${step.description}${step.required ? "" : " (best effort)"}${step.notBefore === undefined ? "" : ` — waits until ${new Date(step.notBefore).toISOString()} (self-fence)`}`),
  ];
}
