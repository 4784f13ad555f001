// One failure's report: what becomes unavailable, degrades, fails over; how bad; how long; why.
// This is the shape of `failures[]` in `understudy analyze --format json` (DESIGN.md, "Output contracts").
import { KNOWN_ROLES, isKnownRole } from "../config/roles.js";
import { formatDuration } from "../config/duration.js";
import type { Criticality, RecoveryStrategy, Topology } from "../model/topology.js";
import type { Outcome } from "./outcome.js";

export type Severity = Criticality | "none";
export type ComponentKind = "host" | "service" | "instance" | "set";

export interface FailsOver {
  service: string;
  to: string;
  recovery: { strategy: RecoveryStrategy | null; rto_s: number | null };
  meets_target: boolean | null;
}

export interface FailureReport {
  component: string;
  kind: ComponentKind;
  unavailable: string[];
  degraded: string[];
  /** For each degraded service, seconds until it degrades (it keeps working that long). */
  degraded_after_s: Record<string, number>;
  fails_over: FailsOver[];
  /** Services that keep their place but pause while something they need fails over. */
  interrupted: string[];
  severity: Severity;
  recovery: { strategy: RecoveryStrategy | null; rto_s: number | null } | null;
  meets_target: boolean | null;
  /** A sentence in the seed's "Impact if Down" spirit. */
  reason: string;
  /** Criticality-weighted harm, for ordering (unavailable counts fully, degraded half). */
  impact: number;
}

export const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "normal", "low", "none"];
export const WEIGHT: Record<Criticality, number> = { critical: 8, high: 4, normal: 2, low: 1 };
const LOWER: Record<Severity, Severity> = { critical: "high", high: "normal", normal: "low", low: "none", none: "none" };

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, normal: 2, low: 1, none: 0 };

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

function worse(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 1000));

export function label(topology: Topology, name: string): string {
  const role = topology.services.get(name)?.role;
  return role !== undefined && role !== "app" && isKnownRole(role) ? `${KNOWN_ROLES[role]} (${name})` : name;
}

/** Code-point order: fast, and the same on every machine (localeCompare depends on the locale). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders service names worst-first by criticality, then name. */
function byCriticality(topology: Topology, names: readonly string[]): string[] {
  if (names.length < 2) return [...names];
  // Decorate once: looking the criticality up inside the comparator costs two Map lookups per comparison.
  const keyed = names.map((name) => ({ name, weight: WEIGHT[topology.services.get(name)!.criticality] }));
  keyed.sort((a, b) => b.weight - a.weight || compareNames(a.name, b.name));
  return keyed.map((entry) => entry.name);
}

function listed(topology: Topology, names: string[], max = 4): string {
  const shown = names.slice(0, max).map((name) => label(topology, name));
  return names.length > max ? `${shown.join(", ")} and ${names.length - max} more` : shown.join(", ");
}

function meetsTarget(targetMs: number | undefined, recoveryMs: number | undefined): boolean | null {
  if (targetMs === undefined) return null;
  return recoveryMs !== undefined && recoveryMs <= targetMs;
}

export function reportFailure(topology: Topology, component: string, kind: ComponentKind, outcomes: ReadonlyMap<string, Outcome>): FailureReport {
  const unavailable: string[] = [];
  const degraded: string[] = [];
  const degradedAfter: Record<string, number> = {};
  const failsOver: FailsOver[] = [];
  const interrupted: string[] = [];
  let severity: Severity = "none";
  let impact = 0;
  let meets: boolean | null = null;
  const judge = (verdict: boolean | null) => {
    if (verdict !== null) meets = (meets ?? true) && verdict;
  };

  const roots: string[] = [];
  const ways: Array<{ strategy: RecoveryStrategy | null; rto_s: number | null }> = [];
  const failoverWays: typeof ways = [];
  outcomes.forEach((outcome, name) => {
    const service = topology.services.get(name)!;
    const verdict = meetsTarget(service.target.rtoMs, outcome.recoveryMs);
    switch (outcome.state) {
      case "down":
        unavailable.push(name);
        severity = worse(severity, service.criticality);
        impact += WEIGHT[service.criticality];
        judge(verdict);
        // The failure's own recovery: the slowest way back among the services it takes down at the root.
        if (outcome.root) {
          roots.push(name);
          ways.push({ strategy: service.recovery?.strategy ?? null, rto_s: seconds(outcome.recoveryMs) });
        }
        break;
      case "degraded":
        degraded.push(name);
        degradedAfter[name] = Math.round(outcome.afterMs / 1000);
        severity = worse(severity, LOWER[service.criticality]);
        impact += WEIGHT[service.criticality] / 2;
        break;
      case "fails-over": {
        const recovery = { strategy: service.recovery?.strategy ?? null, rto_s: seconds(outcome.recoveryMs) };
        failsOver.push({ service: name, to: outcome.to, recovery, meets_target: verdict });
        failoverWays.push(recovery);
        if (verdict !== true) severity = worse(severity, LOWER[service.criticality]);
        judge(verdict);
        break;
      }
      case "interrupted":
        interrupted.push(name);
        if (verdict !== true) severity = worse(severity, LOWER[service.criticality]);
        judge(verdict);
        break;
    }
  });
  if (ways.length === 0) ways.push(...failoverWays);
  // An unknown way back is the worst case: it is what a person would have to work out at 3 a.m.
  const recovery = ways.find((way) => way.rto_s === null) ?? ways.sort((a, b) => b.rto_s! - a.rto_s!)[0] ?? null;

  const sortedUnavailable = byCriticality(topology, unavailable);
  const sortedDegraded = byCriticality(topology, degraded);
  return {
    component,
    kind,
    unavailable: sortedUnavailable,
    degraded: sortedDegraded,
    degraded_after_s: degradedAfter,
    fails_over: failsOver.sort((a, b) => compareNames(a.service, b.service)),
    interrupted: byCriticality(topology, interrupted),
    severity,
    recovery,
    meets_target: meets,
    reason: reasonFor(topology, byCriticality(topology, roots), sortedUnavailable, sortedDegraded, degradedAfter, failsOver),
    impact,
  };
}

function reasonFor(topology: Topology, roots: string[], unavailable: string[], degraded: string[], after: Record<string, number>, failsOver: FailsOver[]): string {
  const parts: string[] = [];
  const knockOn = unavailable.filter((name) => !roots.includes(name));
  if (roots.length > 0) parts.push(`loses ${listed(topology, roots)}${knockOn.length > 0 ? ` and with it ${listed(topology, knockOn, 3)}` : ""}`);
  else if (unavailable.length > 0) parts.push(`loses ${listed(topology, unavailable)}`);
  if (degraded.length > 0) {
    const soonest = Math.min(...degraded.map((name) => after[name] ?? 0));
    parts.push(`${soonest > 0 ? `after ${formatDuration(soonest * 1000)} ` : ""}degrades ${listed(topology, degraded)}`);
  }
  for (const move of failsOver) {
    parts.push(`${move.service} fails over to ${move.to}${move.recovery.rto_s === null ? "" : ` in ${formatDuration(move.recovery.rto_s * 1000)}`}`);
  }
  return parts.length > 0 ? parts.join("; ") : "nothing is lost";
}
