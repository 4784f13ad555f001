// "How Understudy notices": the checks that watch a service or a host, each with its target as the
// probe kind describes it, its interval and thresholds, and the time to detect (≈ interval ×
// failure_threshold, the consecutive failures it waits for), plus the agents' quorum.
import { formatDuration } from "../config/duration.js";
import type { Check } from "../model/topology.js";
import { findProbeKind } from "../probes/registry.js";
import type { Block } from "./document.js";
import { text, warning } from "./document.js";
import type { RunbookContext } from "./context.js";

function target(check: Check): string {
  const kind = findProbeKind(check.kind);
  return kind ? kind.describe(check.spec) : check.kind;
}

export function detectMs(check: Check): number {
  return check.intervalMs * check.failureThreshold;
}

function table(checks: readonly Check[]): Block {
  return {
    kind: "table",
    headers: ["Check", "Watches", "On", "Every", "Down after", "Time to detect"],
    rows: checks.map((check) => [
      check.name,
      `\`${target(check)}\``,
      check.host ?? "—",
      formatDuration(check.intervalMs),
      `${check.failureThreshold} failures in a row`,
      `≈ ${formatDuration(detectMs(check))}`,
    ]),
  };
}

function quorumNote(context: RunbookContext): Block[] {
  const quorum = context.topology.agents.quorum;
  const notify = context.topology.notify.length === 0
    ? [warning("No notifier is configured (`notify:` is empty): Understudy opens an incident but alerts nobody. Watch `understudy status`, or add a notifier.")]
    : [];
  return [text(quorum > 1 ? `A failure counts when ${quorum} agents (vantage points) agree.` : "One agent's verdict is enough (quorum 1)."), ...notify];
}

/** The detection section of a service's page. */
export function serviceDetection(context: RunbookContext, name: string): Block[] {
  const service = context.topology.services.get(name)!;
  if (service.checks.length > 0) return [table(service.checks), ...quorumNote(context)];
  if (service.placement.kind === "logical") {
    const needs = service.needs.flatMap((need) => need.anyOf);
    const watched = needs.filter((dep) => (context.topology.services.get(dep)?.checks.length ?? 0) > 0);
    return [
      text(`${name} has no host of its own and no check: Understudy sees its trouble only through what it needs${watched.length > 0 ? ` (${watched.map((dep) => `${dep}'s checks`).join(", ")})` : ""}.`),
      ...quorumNote(context),
    ];
  }
  return [warning(`No check watches ${name}: Understudy will not notice it is down. You will hear it from its users. Add a check to ${name}.`), ...quorumNote(context)];
}

/** The detection section of a host's page: the checks that watch instances on it. */
export function hostDetection(context: RunbookContext, host: string): Block[] {
  const checks = (context.topology.onHost.get(host) ?? [])
    .flatMap((name) => context.topology.services.get(name)!.checks)
    .filter((check) => check.host === host);
  if (checks.length === 0) {
    // Nothing watches the host itself, but what breaks with it may be watched elsewhere (an NFS mount on a client).
    const lost = context.failures.get(`host:${host}`)?.unavailable ?? [];
    const indirect = lost.flatMap((name) => context.topology.services.get(name)!.checks);
    if (indirect.length === 0) return [warning(`No check watches anything on ${host} or anything that breaks with it: Understudy will not notice it is down. Add checks to the services that run here.`), ...quorumNote(context)];
    return [
      warning(`No check watches anything on ${host} itself. Understudy notices only through what breaks with it, and reports that instead: look here when these fail.`),
      table(indirect),
      ...quorumNote(context),
    ];
  }
  const soonest = Math.min(...checks.map(detectMs));
  return [
    text(`Understudy notices ${host} is down through the checks of what runs on it; the quickest counts it down after ≈ ${formatDuration(soonest)}.`),
    table(checks),
    ...quorumNote(context),
  ];
}
