// `understudy plan`: the fixes for every SPOF, phase by phase in the seed's order, with the resilience
// score measured after each step, the alternatives and their trade-offs, and the hosts the plan needs.
import { readFileSync } from "node:fs";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/diagnostics.js";
import { formatDuration } from "../config/duration.js";
import { buildPlan, type Alternative, type Plan, type PlanStep } from "../plan/plan.js";
import { renderNixPlan } from "../plan/nix-plan.js";
import { colors, terminalWidth, UsageError, writeLine, type Colors, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, FORMATS, parseFlags, parseFormat, type Format } from "./options.js";
import { applyPlan } from "./plan-apply.js";
import { tableFor } from "./table.js";
import { wrapText } from "./wrap.js";

export const usage = `Usage: understudy plan [--config FILE] [--format table|json|markdown|nix] [--nix]
       understudy plan --apply STEP… [--output FILE]

  For every single point of failure, the remedies that fit its role (the seed's options), applied
  phase by phase: quick wins, core resilience, full resilience. The score after each step is the
  analysis of the config as that step would change it. Alternatives are listed, not applied.

  --apply STEP…   write those steps into the config: numbers or ids as the plan prints them
                  (1 3, cloudflare-tunnel, service-standby:forgejo), or all. Prints the diff; your
                  comments and formatting are kept, and the result must validate.
  --output FILE   where to write it (without it nothing is written; the config itself is only
                  overwritten when --output names it)
  --nix           the NixOS configuration that carries out each step, per host (= --format nix)
  --format json   carries each step's config change (the paths and values it adds or changes)`;

export async function plan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...CONFIG_OPTION,
    format: { type: "string", short: "f" },
    nix: { type: "boolean" },
    apply: { type: "string", multiple: true },
    output: { type: "string", short: "o" },
  }, usage, true);
  const format: Format | "nix" = values.nix === true ? "nix" : (parseFormat(values.format, usage, [...FORMATS, "nix"]) as Format | "nix");
  if (positionals.length > 0 && values.apply === undefined) throw new UsageError(`unexpected ${positionals.join(" ")}: steps are named after --apply`, usage);
  if (values.output !== undefined && values.apply === undefined) throw new UsageError("--output needs --apply STEP… (the steps to write into the config)", usage);
  const file = configPath(values.config, io.env);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const result = buildPlan(loaded.config);
  if (values.apply !== undefined) {
    return applyPlan({ plan: result, config: loaded.config, file, text: readFileSync(file, "utf8"), steps: [...values.apply, ...positionals], output: values.output }, io);
  }
  if (format === "nix") writeLine(io.stdout, renderNixPlan(result, loaded.config));
  else if (format === "json") writeLine(io.stdout, JSON.stringify(toJson(result), null, 2));
  else writeLine(io.stdout, render(result, format, colors(io), terminalWidth(io)));
  return 0;
}

/** The JSON output: the plan without the intermediate configs. */
export function toJson(result: Plan) {
  const step = ({ config: _config, ...rest }: PlanStep) => rest;
  return {
    phases: result.phases.map((phase) => ({ ...phase, steps: phase.steps.map(step) })),
    alternatives: result.alternatives,
    score: result.score,
    spofs: result.spofs,
    added_hosts: result.added_hosts.map((name) => ({ name, ...result.config.hosts[name] })),
  };
}

function recoveryText(recovery: PlanStep["recovery_after"]): string {
  if (recovery.rto_s === null) return "—";
  return recovery.rto_s === 0 ? "instant" : `~${formatDuration(recovery.rto_s * 1000)}`;
}

const effortText = (step: Alternative) => `${step.effort.hours}h, ${step.effort.complexity}`;
const forText = (step: Alternative) => (step.service === null ? "all failovers" : `${step.service}${step.spof.length > 0 ? ` (${step.spof.join(", ")})` : ""}`);
const listed = (names: readonly string[], max = 4) => (names.length > max ? `${names.slice(0, max).join(", ")} +${names.length - max}` : names.join(", "));

function scoreText(before: number, after: number, c: Colors): string {
  const text = `${before} → ${after}`;
  return after > before ? c.green(text) : text;
}

function details(steps: readonly Alternative[], format: Format, width: number): string[] {
  const bullet = format === "markdown" ? "- " : "  • ";
  // One line per remedy: the same standby for three services has the same trade-offs.
  const once = steps.filter((step, index) => steps.findIndex((other) => other.remedy_id === step.remedy_id) === index);
  return once.map((step) => {
    const understudy = step.understudy === null ? "" : ` Understudy's part: ${step.understudy}.`;
    const text = `${bullet}${format === "markdown" ? `**${step.remedy}**` : step.remedy} (${step.remedy_id}): ${step.recovery_after.note}. ` +
      `Pros: ${step.pros.join("; ")}. Cons: ${step.cons.join("; ")}.${understudy}`;
    return format === "markdown" ? text : wrapText(text, width, bullet.length);
  });
}

export function render(result: Plan, format: Format, c: Colors, width = Infinity): string {
  const table = tableFor(format, width);
  const prose = (text: string) => (format === "markdown" ? text : wrapText(text, width));
  const heading = (text: string) => (format === "markdown" ? `## ${text}` : wrapText(text, width).split("\n").map(c.bold).join("\n"));
  const sections: string[] = [
    heading(`Resilience plan: score ${result.score.before} → ${result.score.after}, SPOFs ${result.spofs.before.length} → ${result.spofs.after.length}`),
  ];
  if (Object.keys(result.config.services ?? {}).length === 0) {
    return prose("Nothing to plan or score: the config has no services. Add what you run under services: (`understudy init` writes a first config).");
  }
  if (result.spofs.before.length === 0) {
    sections.push(prose("No single point of failure: every critical and high service survives any single failure. Nothing to plan."));
    return sections.join("\n");
  }
  let previous = result.score.before;
  for (const phase of result.phases) {
    sections.push("", heading(`Phase ${phase.phase}: ${phase.name} (${phase.when}) — score ${previous} → ${phase.score_after}`));
    previous = phase.score_after;
    if (phase.steps.length === 0) {
      sections.push("Nothing in this phase.");
      continue;
    }
    sections.push(table(["#", "Remedy", "For (SPOF)", "Changes", "Recovery after", "Effort", "Score"], phase.steps.map((step) => [
      String(step.step), step.remedy, forText(step), listed(step.applies_to), recoveryText(step.recovery_after), effortText(step), scoreText(step.score_before, step.score_after, c),
    ])));
    sections.push(...details(phase.steps, format, width));
  }
  if (result.alternatives.length > 0) {
    sections.push("", heading("Alternatives (not applied)"));
    sections.push(table(["Alternative", "For (SPOF)", "Recovery after", "Effort"], result.alternatives.map((alt) => [
      alt.remedy, forText(alt), recoveryText(alt.recovery_after), effortText(alt),
    ])));
    sections.push(...details(result.alternatives, format, width));
  }
  if (result.added_hosts.length > 0) {
    sections.push("", heading("Hosts the plan needs you to provide"));
    for (const name of result.added_hosts) sections.push(format === "markdown" ? `- ${name}: ${result.config.hosts[name]?.description ?? ""}` : wrapText(`  • ${name}: ${result.config.hosts[name]?.description ?? ""}`, width, 4));
  }
  sections.push("", prose(result.spofs.after.length === 0
    ? "After the plan: no single point of failure left."
    : `After the plan, still single points of failure: ${result.spofs.after.join(", ")}.`));
  return sections.join("\n");
}
