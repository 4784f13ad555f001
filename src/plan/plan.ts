// `understudy plan`, pure: for each SPOF the remedies that fit the role of what it takes down, applied
// cumulatively phase by phase in the seed's order. Every score is measured, never quoted: each step's
// edits (change.ts, the same ones `plan --apply` writes into the file) yield a config that passes the
// config's cross-field rules and is analysed afresh.
import type { ConfigDocument } from "../config/schema.js";
import { checkRules } from "../config/rules.js";
import { formatPath } from "../config/diagnostics.js";
import { buildTopology } from "../model/topology.js";
import { analyze, type Analysis } from "../analysis/analyze.js";
import type { Effort, Phase, Remedy } from "./remedy.js";
import { familyFor, families, practices } from "./remedies/index.js";
import { culprits } from "./culprits.js";
import { applyEdits, type ConfigEdit } from "./change.js";

export const PHASES: Record<Phase, { name: string; when: string }> = {
  1: { name: "quick wins", when: "this week" },
  2: { name: "core resilience", when: "this month" },
  3: { name: "full resilience", when: "next quarter" },
};

interface RemedyFacts {
  remedy_id: string;
  remedy: string;
  phase: Phase;
  /** The service the remedy is for (what makes the SPOF); null for plan-wide practices. */
  service: string | null;
  /** The SPOFs (hosts or services, from the analysis before the plan) this remedy is for. */
  spof: string[];
  applies_to: string[];
  recovery_after: Remedy["recovery"];
  effort: Effort;
  pros: readonly string[];
  cons: readonly string[];
  /** What Understudy itself carries out of the remedy, if anything. */
  understudy: string | null;
}

export interface PlanStep extends RemedyFacts {
  /** The step's number as `plan` prints it, from 1. */
  step: number;
  /** The step's name for `--apply`: the remedy's id, with `:service` when the remedy has several steps. */
  id: string;
  /** The config change, as written in the file. */
  changes: ConfigEdit[];
  score_before: number;
  score_after: number;
  spofs_before: number;
  spofs_after: number;
  /** The config after this step (not part of the JSON output). */
  config: ConfigDocument;
}

export interface PlanPhase {
  phase: Phase;
  name: string;
  when: string;
  steps: PlanStep[];
  score_after: number;
}

export type Alternative = RemedyFacts;

export interface Plan {
  phases: PlanPhase[];
  alternatives: Alternative[];
  score: { before: number; after: number };
  spofs: { before: string[]; after: string[] };
  /** Hosts the plan adds (a second VPS, a second router): the user has to provide them. */
  added_hosts: string[];
  config: ConfigDocument;
}

/** Analyses a transformed config, after the same cross-field rules a loaded file passes. */
export function analyzeConfig(doc: ConfigDocument): Analysis {
  const errors = checkRules(doc).filter((problem) => problem.severity === "error");
  if (errors.length > 0) {
    throw new Error(`bug: a remedy produced an invalid config: ${errors.map((e) => `${formatPath(e.path)}: ${e.message}`).join("; ")}`);
  }
  return analyze(buildTopology(doc));
}

interface Candidate {
  remedy: Remedy;
  service: string | null;
  spof: string[];
  order: [number, number, number, number];
}

function facts(remedy: Remedy, service: string | null, spof: string[], appliesTo: string[]): RemedyFacts {
  return {
    remedy_id: remedy.id, remedy: remedy.name, phase: remedy.phase, service, spof, applies_to: appliesTo,
    recovery_after: remedy.recovery, effort: remedy.effort, pros: remedy.pros, cons: remedy.cons, understudy: remedy.understudy ?? null,
  };
}

function byOrder(a: Candidate, b: Candidate): number {
  for (let i = 0; i < a.order.length; i++) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
  return 0;
}

export function buildPlan(original: ConfigDocument): Plan {
  const before = analyzeConfig(original);
  const topology = buildTopology(original);
  const causes = culprits(topology, before);

  const candidates: Candidate[] = [];
  const alternatives: Alternative[] = [];
  causes.forEach((cause, causeIndex) => {
    const family = familyFor(topology.services.get(cause.service)?.role);
    const familyIndex = families.indexOf(family);
    family.remedies.forEach((remedy, remedyIndex) => {
      if (remedy.recommended) {
        candidates.push({ remedy, service: cause.service, spof: cause.spofs, order: [remedy.phase, familyIndex, remedyIndex, causeIndex] });
        return;
      }
      const appliesTo = remedy.appliesTo(original, cause.service);
      if (appliesTo.length > 0) alternatives.push(facts(remedy, cause.service, cause.spofs, appliesTo));
    });
  });
  // Drills and runbooks exercise the fixes; with no SPOF there is nothing to plan.
  if (causes.length > 0) practices.forEach((remedy, index) => {
    if (remedy.recommended) candidates.push({ remedy, service: null, spof: [], order: [remedy.phase, families.length, index, 0] });
  });
  candidates.sort(byOrder);

  let doc = original;
  let analysis = before;
  const steps: PlanStep[] = [];
  for (const { remedy, service, spof } of candidates) {
    // Checked on the config as it stands: an earlier step may already have done this one's work.
    const appliesTo = remedy.appliesTo(doc, service ?? "");
    if (appliesTo.length === 0) continue;
    const changes = remedy.change(service ?? "")(doc);
    const next = applyEdits(doc, changes);
    const after = analyzeConfig(next);
    steps.push({
      ...facts(remedy, service, spof, appliesTo),
      step: steps.length + 1,
      id: remedy.id,
      changes,
      score_before: analysis.score.value,
      score_after: after.score.value,
      spofs_before: analysis.spofs.length,
      spofs_after: after.spofs.length,
      config: next,
    });
    doc = next;
    analysis = after;
  }

  for (const step of steps) {
    if (step.service !== null && steps.filter((other) => other.remedy_id === step.remedy_id).length > 1) step.id = `${step.remedy_id}:${step.service}`;
  }
  let running = before.score.value;
  const phases = ([1, 2, 3] as const).map((phase): PlanPhase => {
    const inPhase = steps.filter((step) => step.phase === phase);
    running = inPhase.at(-1)?.score_after ?? running;
    return { phase, ...PHASES[phase], steps: inPhase, score_after: running };
  });
  return {
    phases,
    alternatives,
    score: { before: before.score.value, after: analysis.score.value },
    spofs: { before: before.spofs.map((spof) => spof.component), after: analysis.spofs.map((spof) => spof.component) },
    added_hosts: Object.keys(doc.hosts).filter((host) => !Object.hasOwn(original.hosts, host)),
    config: doc,
  };
}
