// The resilience score: the criticality-weighted share of services that survive any single failure.
// A service counts fully when no single failure loses it (or it fails over within its target), half when
// the worst single failure only degrades it or fails it over too slowly, and not at all when one loses it.
import type { Topology } from "../model/topology.js";
import type { Outcome } from "./outcome.js";
import { WEIGHT } from "./report.js";

export interface Score {
  /** 0–100. */
  value: number;
  services: number;
  /** Services no single failure makes unavailable or degrades beyond its target. */
  survive_any_single_failure: number;
  /** Services some single failure makes unavailable. */
  exposed: string[];
  spofs: number;
}

function credit(topology: Topology, name: string, worst: Outcome | undefined): number {
  if (worst === undefined) return 1;
  if (worst.state === "down") return 0;
  if (worst.state === "degraded") return 0.5;
  const target = topology.services.get(name)!.target.rtoMs;
  const withinTarget = target === undefined || (worst.recoveryMs !== undefined && worst.recoveryMs <= target);
  return withinTarget ? 1 : 0.5;
}

export function resilienceScore(topology: Topology, worstByService: ReadonlyMap<string, Outcome>, spofs: number): Score {
  let earned = 0;
  let possible = 0;
  let survivors = 0;
  const exposed: string[] = [];
  for (const service of topology.services.values()) {
    const share = credit(topology, service.name, worstByService.get(service.name));
    earned += share * WEIGHT[service.criticality];
    possible += WEIGHT[service.criticality];
    if (share === 1) survivors++;
    if (share === 0) exposed.push(service.name);
  }
  return {
    value: possible === 0 ? 100 : Math.round((1000 * earned) / possible) / 10,
    services: topology.services.size,
    survive_any_single_failure: survivors,
    exposed: exposed.sort(),
    spofs,
  };
}
