// `understudy analyze`: the blast radius of every single failure, the SPOFs worst first, what-if sets,
// the N+1 pairs and the resilience score.
import { analyze as runAnalysis, analyzeTogether, failingPairs, type Analysis, type FailingPair } from "../analysis/analyze.js";
import type { FailureReport } from "../analysis/report.js";
import { resolveComponents } from "../analysis/components.js";
import { formatDuration } from "../config/duration.js";
import { colors, terminalWidth, UsageError, writeLine, type Colors, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat, type Format } from "./options.js";
import { tableFor } from "./table.js";
import { wrapText } from "./wrap.js";

export const usage = `Usage: understudy analyze [--config FILE] [--format table|json|markdown] [--fail A,B] [--depth 1|2]

  For every host and every service: what becomes unavailable, what degrades, what fails over, and
  whether recovery meets the target. SPOFs first, worst first, then a resilience score.

  --fail A,B   what if these fail together (hosts, services, or service@host)
  --depth 2    also list every pair of failures that loses a critical or high service neither loses alone`;

export async function analyze(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" }, fail: { type: "string" }, depth: { type: "string" } }, usage);
  const format = parseFormat(values.format, usage);
  const depth = values.depth ?? "1";
  if (depth !== "1" && depth !== "2") throw new UsageError(`--depth must be 1 or 2, got "${depth}"`, usage);
  const { topology } = loadTopology(configPath(values.config, io.env));
  const c = colors(io);

  if (values.fail !== undefined) {
    const scenario = resolveComponents(topology, values.fail.split(",").map((part) => part.trim()).filter(Boolean));
    const report = analyzeTogether(topology, scenario, values.fail);
    if (format === "json") writeLine(io.stdout, JSON.stringify({ what_if: publicReport(report) }, null, 2));
    else writeLine(io.stdout, renderWhatIf(report, format, c, terminalWidth(io)));
    return 0;
  }

  const analysis = runAnalysis(topology);
  let pairs: FailingPair[] | undefined;
  if (depth === "2") {
    try {
      pairs = failingPairs(topology);
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message, usage);
      throw error;
    }
  }
  if (format === "json") writeLine(io.stdout, JSON.stringify(toJson(analysis, pairs), null, 2));
  else writeLine(io.stdout, render(analysis, pairs, format, c, terminalWidth(io)));
  return 0;
}

/** The JSON contract (DESIGN.md): the report without the internal ordering weight. */
function publicReport({ impact: _impact, ...report }: FailureReport) {
  return report;
}

/** The score as JSON: with no services there is nothing to score, so `value` is null and `reason` says why. */
function scoreJson(score: Analysis["score"]) {
  return score.services === 0 ? { ...score, value: null, reason: NOTHING_TO_SCORE } : score;
}

export function toJson(analysis: Analysis, pairs?: FailingPair[]) {
  return {
    failures: analysis.failures.map(publicReport),
    spofs: analysis.spofs.map(publicReport),
    score: scoreJson(analysis.score),
    ...(pairs ? { pairs: pairs.map((pair) => ({ components: pair.components, newly_unavailable: pair.newly_unavailable, ...publicReport(pair.report) })) } : {}),
  };
}

function severityText(severity: string, c: Colors): string {
  const paint = { critical: c.red, high: c.yellow, normal: c.cyan, low: c.dim, none: c.green }[severity] ?? ((s: string) => s);
  return paint(severity);
}

function recoveryText(report: FailureReport, c: Colors): string {
  if (report.recovery === null) return "—";
  const time = report.recovery.rto_s === null ? "unknown" : formatDuration(report.recovery.rto_s * 1000);
  const verdict = report.meets_target === null ? "" : report.meets_target ? c.green(" ✓ target") : c.red(" ✗ target");
  return `${report.recovery.strategy ?? "?"} ${time}${verdict}`;
}

function rows(reports: FailureReport[], c: Colors): string[][] {
  return reports.map((report) => [
    `${report.component}${report.kind === "host" ? "" : c.dim(` (${report.kind})`)}`,
    severityText(report.severity, c),
    recoveryText(report, c),
    report.reason,
  ]);
}

/** A config without services has nothing that could fail: no score, rather than a vacuous 100/100. */
export const NOTHING_TO_SCORE = "Nothing to score: the config has no services. Add what you run under services: (`understudy init` writes a first config).";

function render(analysis: Analysis, pairs: FailingPair[] | undefined, format: Format, c: Colors, width: number): string {
  const table = tableFor(format, width);
  const prose = (text: string) => (format === "markdown" ? text : wrapText(text, width));
  const heading = (text: string) => (format === "markdown" ? `## ${text}` : wrapText(text, width).split("\n").map(c.bold).join("\n"));
  const headers = ["Failure", "Severity", "Recovery today", "Impact"];
  const { score } = analysis;
  if (score.services === 0) return [heading("Resilience score"), prose(NOTHING_TO_SCORE)].join("\n");
  const sections = [
    heading(`Single points of failure (${analysis.spofs.length}), worst first`),
    analysis.spofs.length > 0 ? table(headers, rows(analysis.spofs, c)) : prose("None: every critical and high service survives any single failure."),
    "",
    heading("Every single failure"),
    table(headers, rows(analysis.failures, c)),
    "",
    heading("Resilience score"),
    prose(`${c.bold(String(score.value))}/100 — ${score.survive_any_single_failure} of ${score.services} services survive any single failure` +
      (score.exposed.length > 0 ? `; exposed: ${score.exposed.join(", ")}` : "")),
  ];
  if (pairs) {
    sections.push("", heading(`Failing pairs (N+1 check): ${pairs.length}`));
    sections.push(pairs.length === 0
      ? prose("No pair of failures loses a critical or high service that neither loses alone.")
      : table(["Pair", "Newly unavailable", "Severity"], pairs.map((pair) => [pair.components.join(" + "), pair.newly_unavailable.join(", "), severityText(pair.report.severity, c)])));
  }
  sections.push("", c.dim("Run `understudy plan` for the fixes, phase by phase."));
  return sections.join("\n");
}

function renderWhatIf(report: FailureReport, format: Format, c: Colors, width: number): string {
  const table = tableFor(format, width);
  const list = (names: string[]) => (names.length > 0 ? names.join(", ") : "—");
  return [
    format === "markdown" ? `## What if ${report.component.split(",").join(" and ")} fail` : wrapText(`What if ${report.component.split(",").join(" and ")} fail`, width).split("\n").map(c.bold).join("\n"),
    table(["", ""], [
      ["Severity", severityText(report.severity, c)],
      ["Unavailable", list(report.unavailable)],
      ["Degraded", list(report.degraded.map((name) => `${name} (after ${formatDuration((report.degraded_after_s[name] ?? 0) * 1000)})`))],
      ["Fails over", list(report.fails_over.map((move) => `${move.service} → ${move.to}`))],
      ["Interrupted", list(report.interrupted)],
      ["Recovery today", recoveryText(report, c)],
      ["Impact", report.reason],
    ]),
  ].join("\n");
}
