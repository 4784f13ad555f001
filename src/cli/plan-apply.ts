// `understudy plan --apply STEP… --output FILE`: the chosen steps written into the user's config (their
// comments and formatting kept), shown as a unified diff, validated and analysed again before anything
// is written. Nothing is written without --output, and the config itself only when --output names it.
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { parseConfig } from "../config/load.js";
import { formatDiagnostic } from "../config/diagnostics.js";
import type { ConfigDocument } from "../config/schema.js";
import { analyzeConfig, type Plan } from "../plan/plan.js";
import { applySteps, selectSteps } from "../plan/apply.js";
import { unifiedDiff } from "../plan/diff.js";
import { terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { wrapText } from "./wrap.js";

export interface ApplyRequest {
  plan: Plan;
  config: ConfigDocument;
  file: string;
  text: string;
  steps: string[];
  output: string | undefined;
}

/** "1–5, 7, 9–10" */
function ranges(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (const n of numbers) {
    const last = parts.at(-1);
    const run = last === undefined ? undefined : /^(\d+)(?:–(\d+))?$/.exec(last);
    if (run && Number(run[2] ?? run[1]) === n - 1) parts[parts.length - 1] = `${run[1]}–${n}`;
    else parts.push(String(n));
  }
  return parts.join(", ");
}

export function applyPlan(request: ApplyRequest, io: Io): number {
  const selection = selectSteps(request.plan, request.steps);
  if (!selection.ok) throw new UsageError(selection.message);
  const width = terminalWidth(io);
  const result = applySteps(request.config, request.text, selection.steps);
  const target = request.output ?? request.file;
  const checked = parseConfig(result.text, target);
  if (!checked.ok) {
    writeLine(io.stderr, `understudy plan: the config with these steps applied does not validate, so nothing was written (a bug in the plan: please report it):\n${checked.diagnostics.map(formatDiagnostic).join("\n")}`);
    return 1;
  }
  const diff = unifiedDiff(request.text, result.text, `a/${relative(process.cwd(), request.file)}`, `b/${relative(process.cwd(), target)}`);
  if (diff !== "") io.stdout.write(diff);
  const before = analyzeConfig(request.config).score;
  const after = analyzeConfig(checked.config).score;
  const lines: string[] = [];
  if (result.applied.length === 0) lines.push("Nothing to write: these steps change nothing in the config.");
  else {
    const steps = result.applied.map(({ step }) => step.step);
    lines.push(`Applied step${steps.length === 1 ? "" : "s"} ${ranges(steps)}. The result validates; analysed again: score ${before.value} → ${after.value}, SPOFs ${before.spofs} → ${after.spofs}, services that survive any single failure ${before.survive_any_single_failure} → ${after.survive_any_single_failure} of ${after.services}.`);
  }
  if (result.unchanged.length > 0) {
    lines.push(`Step${result.unchanged.length === 1 ? "" : "s"} ${ranges(result.unchanged.map((step) => step.step))} ${result.unchanged.length === 1 ? "writes" : "write"} nothing into the config (practices, or work on the hosts: see --nix).`);
  }
  if (request.output === undefined) lines.push("Not written: add --output FILE to write it (your config is overwritten only when --output names it).");
  else if (result.applied.length > 0) {
    writeFileSync(request.output, result.text);
    lines.push(`Wrote ${request.output}.`);
  }
  for (const line of lines) writeLine(io.stdout, wrapText(line, width));
  return 0;
}
