// The single-failure analysis: every host and every service fails alone; what-if sets; the N+1 pairs;
// SPOFs worst first; and a resilience score. Pure: a function of the topology only.
import type { Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { evaluate, rank, type Outcome, type Scenario } from "./outcome.js";
import { compareNames, reportFailure, severityRank, WEIGHT, type FailureReport } from "./report.js";
import { resilienceScore, type Score } from "./score.js";

export interface Analysis {
  failures: FailureReport[];
  spofs: FailureReport[];
  score: Score;
}

/** A single failure: a host, or a service's serving instance (its primary, or its first replica). */
export interface Component {
  name: string;
  kind: "host" | "service";
  scenario: Scenario;
}

const empty = new Set<string>();

export function singleFailures(topology: Topology): Component[] {
  const components: Component[] = [];
  for (const host of topology.hosts.keys()) components.push({ name: host, kind: "host", scenario: { hosts: new Set([host]), instances: empty, services: empty } });
  // A logical service (a mesh, with no host of its own) fails only through what it needs, so it is not a
  // single failure of its own; `--fail mesh` still asks what its outright loss would do.
  for (const service of topology.services.values()) {
    const serving = hostsOf(service.placement)[0];
    if (serving === undefined) continue;
    components.push({ name: service.name, kind: "service", scenario: { hosts: empty, instances: new Set([`${service.name}@${serving}`]), services: empty } });
  }
  return components;
}

/** Worst first: severity, then criticality-weighted harm, then the slowest recovery, then name. */
export function worstFirst(a: FailureReport, b: FailureReport): number {
  return severityRank(b.severity) - severityRank(a.severity)
    || b.impact - a.impact
    || (b.recovery?.rto_s ?? Infinity) - (a.recovery?.rto_s ?? Infinity)
    || (a.kind === "host" ? 0 : 1) - (b.kind === "host" ? 0 : 1)
    || compareNames(a.component, b.component);
}

/** A SPOF: a single failure whose unavailable set holds a critical or high service. */
export function isSpof(topology: Topology, report: FailureReport): boolean {
  return report.unavailable.some((name) => WEIGHT[topology.services.get(name)!.criticality] >= WEIGHT.high);
}

export function analyze(topology: Topology): Analysis {
  const worstByService = new Map<string, Outcome>();
  const failures = singleFailures(topology).map((component) => {
    const outcomes = evaluate(topology, component.scenario);
    outcomes.forEach((outcome, name) => {
      if (rank(outcome) > rank(worstByService.get(name))) worstByService.set(name, outcome);
    });
    return reportFailure(topology, component.name, component.kind, outcomes);
  });
  failures.sort(worstFirst);
  const spofs = failures.filter((failure) => isSpof(topology, failure));
  return { failures, spofs, score: resilienceScore(topology, worstByService, spofs.length) };
}

/** What-if: several components failing together, as one report. */
export function analyzeTogether(topology: Topology, scenario: Scenario, name: string): FailureReport {
  return reportFailure(topology, name, "set", evaluate(topology, scenario));
}

export interface FailingPair {
  components: [string, string];
  /** Critical or high services lost by the pair that neither failure loses alone. */
  newly_unavailable: string[];
  report: FailureReport;
}

export const MAX_PAIR_COMPONENTS = 2_000;

/** The N+1 check: pairs of single failures that together lose a critical or high service neither loses alone. */
export function failingPairs(topology: Topology): FailingPair[] {
  const components = singleFailures(topology);
  if (components.length > MAX_PAIR_COMPONENTS) {
    throw new RangeError(`--depth 2 checks every pair; ${components.length} components make ${(components.length * (components.length - 1)) / 2} pairs, over the limit of ${MAX_PAIR_COMPONENTS} components`);
  }
  const alone = components.map((component) => new Set(evaluate(topology, component.scenario).keys()));
  const pairs: FailingPair[] = [];
  for (let i = 0; i < components.length; i++) {
    for (let j = i + 1; j < components.length; j++) {
      const a = components[i]!;
      const b = components[j]!;
      const scenario: Scenario = {
        hosts: new Set([...a.scenario.hosts, ...b.scenario.hosts]),
        instances: new Set([...a.scenario.instances, ...b.scenario.instances]),
        services: new Set([...a.scenario.services, ...b.scenario.services]),
      };
      const outcomes = evaluate(topology, scenario);
      const fresh = [...outcomes]
        .filter(([name, outcome]) => outcome.state === "down" && WEIGHT[topology.services.get(name)!.criticality] >= WEIGHT.high)
        .map(([name]) => name)
        .filter((name) => !alone[i]!.has(name) && !alone[j]!.has(name));
      if (fresh.length > 0) {
        pairs.push({ components: [a.name, b.name], newly_unavailable: fresh.sort(), report: reportFailure(topology, `${a.name}+${b.name}`, "set", outcomes) });
      }
    }
  }
  return pairs.sort((x, y) => worstFirst(x.report, y.report));
}
