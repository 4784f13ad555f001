// Practices offered once for the whole plan rather than per SPOF: prove the failovers with drills and
// keep runbooks in step with the topology. They change no topology, so their score effect is nil.
import type { ConfigDocument } from "../../config/schema.js";
import type { Remedy } from "../remedy.js";

/** Services that have somewhere to go: what drills exercise and runbooks describe. */
function withStandIns(doc: ConfigDocument): string[] {
  return Object.entries(doc.services).filter(([, s]) => (s.standby?.length ?? 0) > 0).map(([name]) => name);
}

export const failoverDrills: Remedy = {
  id: "failover-drills",
  name: "Automated failover testing (understudy drill)",
  phase: 3,
  recommended: true,
  scope: "plan",
  recovery: { rto_s: null, note: "measures the real failover time against each target" },
  effort: { hours: 2, complexity: "low" },
  pros: ["a failover never tried is a guess", "catches a stale standby before an outage does"],
  cons: ["a drill is a (planned) outage of the primary"],
  understudy: "`understudy drill` causes the failure, times detection and failover against the target, checks the standby's data and restores",
  appliesTo: (doc) => withStandIns(doc),
  change: () => () => [],
};

export const runbooks: Remedy = {
  id: "runbooks",
  name: "Runbook documentation (understudy runbook)",
  phase: 3,
  recommended: true,
  scope: "plan",
  recovery: { rto_s: null, note: "the steps at 3 a.m. are written down, generated from this config" },
  effort: { hours: 1, complexity: "low" },
  pros: ["always in step with the topology", "anyone can run the failover"],
  cons: ["only as good as the config it is generated from"],
  understudy: "`understudy runbook` writes them from this config",
  appliesTo: (doc) => withStandIns(doc),
  change: () => () => [],
};

export const practices: readonly Remedy[] = [failoverDrills, runbooks];
