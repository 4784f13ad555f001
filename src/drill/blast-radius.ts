// The services a drill expects to suffer: the drilled one and whatever the analysis says its loss
// takes down or degrades. Only a service outside this set degrading aborts a drill.
import { analyzeTogether } from "../analysis/analyze.js";
import type { Topology } from "../model/topology.js";

export function blastRadius(topology: Topology, service: string): Set<string> {
  const report = analyzeTogether(topology, { hosts: new Set(), instances: new Set(), services: new Set([service]) }, service);
  return new Set([service, ...report.unavailable, ...report.degraded, ...report.interrupted]);
}
