// `plan --apply`, pure: which steps the user named, and the config file's text with those steps' edits
// written in. A subset is replayed from the original config in the plan's order, so each step's edits
// are worked out on the config as the chosen earlier steps leave it (a check on a host that an unchosen
// step would have added is never written).
import type { ConfigDocument } from "../config/schema.js";
import { applyEdits, type ConfigEdit } from "./change.js";
import type { Plan, PlanStep } from "./plan.js";
import { findRemedy } from "./remedies/index.js";
import { spliceEdits } from "./yaml-splice.js";

export type Selection = { ok: true; steps: PlanStep[] } | { ok: false; message: string };

const allSteps = (plan: Plan) => plan.phases.flatMap((phase) => phase.steps);

/** The steps named by number (as `plan` prints them), id (`remedy` or `remedy:service`) or `all`. */
export function selectSteps(plan: Plan, names: readonly string[]): Selection {
  const steps = allSteps(plan);
  const wanted = names.flatMap((name) => name.split(",")).map((name) => name.trim()).filter((name) => name !== "");
  if (wanted.length === 0) return { ok: false, message: "--apply needs the steps to apply: numbers or ids as `understudy plan` prints them, or all" };
  if (steps.length === 0) return { ok: false, message: "the plan has no steps to apply: no single point of failure it has a remedy for" };
  const chosen = new Set<PlanStep>();
  const unknown: string[] = [];
  for (const name of wanted) {
    const matches = name === "all" ? steps
      : /^\d+$/.test(name) ? steps.filter((step) => step.step === Number(name))
      : steps.filter((step) => step.id === name || step.remedy_id === name);
    if (matches.length === 0) unknown.push(name);
    for (const step of matches) chosen.add(step);
  }
  if (unknown.length > 0) {
    const known = steps.map((step) => `${step.step} ${step.id}`).join(", ");
    return { ok: false, message: `no step ${unknown.map((name) => `"${name}"`).join(", ")} in the plan; its steps are ${known} (name them by number or id, or say all)` };
  }
  return { ok: true, steps: steps.filter((step) => chosen.has(step)) };
}

export interface AppliedStep {
  step: PlanStep;
  changes: ConfigEdit[];
}

export interface Applied {
  text: string;
  config: ConfigDocument;
  applied: AppliedStep[];
  /** Steps that write nothing into the config: practices (drills, runbooks), work on the hosts only, or already done. */
  unchanged: PlanStep[];
}

/** The original text with the chosen steps' edits spliced in, and the config they make. */
export function applySteps(original: ConfigDocument, text: string, steps: readonly PlanStep[]): Applied {
  let config = original;
  let current = text;
  const applied: AppliedStep[] = [];
  const unchanged: PlanStep[] = [];
  for (const step of steps) {
    const remedy = findRemedy(step.remedy_id);
    if (remedy === undefined) throw new Error(`bug: the plan has a step of remedy "${step.remedy_id}", which the catalogue does not have`);
    const service = step.service ?? "";
    const changes = remedy.appliesTo(config, service).length === 0 ? [] : remedy.change(service)(config);
    if (changes.length === 0) {
      unchanged.push(step);
      continue;
    }
    config = applyEdits(config, changes);
    current = spliceEdits(current, changes, `added by understudy plan, step ${step.step}: ${step.remedy}`);
    applied.push({ step, changes });
  }
  return { text: current, config, applied, unchanged };
}
