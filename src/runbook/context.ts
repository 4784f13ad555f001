// What every runbook page is built from: the validated config, its topology, the analysis, the plan,
// and facts from outside the config (the newest snapshots, drills) when the caller has them.
// Built once for a whole set of pages; pure.
import type { ConfigDocument, ServiceDocument } from "../config/schema.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { analyze, analyzeTogether, type Analysis } from "../analysis/analyze.js";
import type { FailureReport } from "../analysis/report.js";
import { buildPlan, type PlanStep } from "../plan/plan.js";

export interface SnapshotFact {
  id: string;
  target: string;
  created_at: string;
}

export interface DrillFact {
  at: string;
  detect_s: number;
  failover_s: number;
  data_lost_s: number | null;
  passed: boolean;
}

/** Facts that are not in the config. Absent facts are rendered as "not known", never guessed. */
export interface RunbookFacts {
  /** The newest complete snapshot of each service, when the caller asked the backup targets. */
  latestSnapshots?: ReadonlyMap<string, SnapshotFact>;
  /** The last drill of each service; no drill has run yet while `understudy drill` is being built. */
  drills?: ReadonlyMap<string, DrillFact>;
}

export interface RunbookContext {
  readonly doc: ConfigDocument;
  readonly topology: Topology;
  readonly analysis: Analysis;
  /** Single-failure reports by "host:NAME" and "service:NAME" (a host and a service may share a name). */
  readonly failures: ReadonlyMap<string, FailureReport>;
  /** The plan's steps (phase order), for "to remove this SPOF". */
  readonly planSteps: readonly PlanStep[];
  readonly facts: RunbookFacts;
}

export function runbookContext(doc: ConfigDocument, facts: RunbookFacts = {}): RunbookContext {
  const topology = buildTopology(doc);
  const analysis = analyze(topology);
  const failures = new Map(analysis.failures.map((failure) => [`${failure.kind}:${failure.component}`, failure]));
  const planSteps = buildPlan(doc).phases.flatMap((phase) => phase.steps);
  return { doc, topology, analysis, failures, planSteps, facts };
}

export function serviceDoc(context: RunbookContext, name: string): ServiceDocument {
  const service = context.doc.services[name];
  if (!service) throw new Error(`bug: runbook for unknown service ${name}`);
  return service;
}

/** The failure report for a service: its own single failure, or (a logical service) its outright loss. */
export function serviceFailure(context: RunbookContext, name: string): FailureReport {
  return context.failures.get(`service:${name}`)
    ?? analyzeTogether(context.topology, { hosts: new Set(), instances: new Set(), services: new Set([name]) }, name);
}
