// Which services make each SPOF: the ones a failure takes down at the root (placed on the failed host, or
// the failed service itself) whose own loss costs a critical or high service. They are what a remedy fixes;
// the rest fall with them (forgejo behind nginx) or are too minor to be the reason (atuin on O001).
import type { Topology } from "../model/topology.js";
import type { Analysis } from "../analysis/analyze.js";
import { evaluate } from "../analysis/outcome.js";
import { WEIGHT } from "../analysis/report.js";

export interface Culprit {
  service: string;
  /** The SPOF components (hosts or services) this service is a reason for, worst first. */
  spofs: string[];
}

const none: ReadonlySet<string> = new Set();

function costsCriticalOrHigh(topology: Topology, service: string): boolean {
  const outcomes = evaluate(topology, { hosts: none, instances: none, services: new Set([service]) });
  return [...outcomes].some(([name, outcome]) => outcome.state === "down" && WEIGHT[topology.services.get(name)!.criticality] >= WEIGHT.high);
}

export function culprits(topology: Topology, analysis: Analysis): Culprit[] {
  const found = new Map<string, Culprit>();
  const harmful = new Map<string, boolean>();
  for (const spof of analysis.spofs) {
    const roots = spof.kind === "host"
      ? (topology.onHost.get(spof.component) ?? []).filter((name) => spof.unavailable.includes(name))
      : [spof.component];
    for (const service of roots) {
      if (!harmful.has(service)) harmful.set(service, costsCriticalOrHigh(topology, service));
      if (!harmful.get(service)) continue;
      const culprit = found.get(service) ?? { service, spofs: [] };
      if (!culprit.spofs.includes(spof.component)) culprit.spofs.push(spof.component);
      found.set(service, culprit);
    }
  }
  return [...found.values()];
}
