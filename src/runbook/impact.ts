// "What breaks": a failure report from the analysis, written for a person: what goes down at once,
// what keeps working for a while and then degrades (and when), what fails over, what pauses, how bad,
// and how long the way back takes today against the target.
import { formatDuration } from "../config/duration.js";
import type { FailureReport } from "../analysis/report.js";
import { label } from "../analysis/report.js";
import type { Block } from "./document.js";
import { list, text } from "./document.js";
import type { RunbookContext } from "./context.js";

const STRATEGY: Record<string, string> = {
  "automatic-failover": "automatic failover",
  "manual-failover": "manual failover (`understudy failover`)",
  "restore-from-backup": "restore from backup",
  rebuild: "rebuild",
};

export function strategyText(strategy: string | null): string {
  return strategy === null ? "no recovery declared" : STRATEGY[strategy] ?? strategy;
}

export function recoveryLine(report: FailureReport): string {
  if (report.recovery === null) return "Recovery today: nothing to recover.";
  if (report.recovery.strategy === null && report.recovery.rto_s === null) return "Recovery today: not declared (no `recovery:` in the config), so its time is unknown.";
  const time = report.recovery.rto_s === null ? "unknown (no `recovery.rto` in the config)" : formatDuration(report.recovery.rto_s * 1000);
  const verdict = report.meets_target === null ? "." : report.meets_target ? " — meets the target." : " — misses the target RTO.";
  return `Recovery today: ${strategyText(report.recovery.strategy)}, about ${time}${verdict}`;
}

export function impactBlocks(context: RunbookContext, report: FailureReport): Block[] {
  const name = (service: string) => label(context.topology, service);
  const blocks: Block[] = [text(`Severity: **${report.severity}**. ${recoveryLine(report)}`)];
  if (report.unavailable.length > 0) {
    blocks.push(text("Down at once:"), list(report.unavailable.map(name)));
  }
  if (report.degraded.length > 0) {
    const byTime = [...report.degraded].sort((a, b) => (report.degraded_after_s[a] ?? 0) - (report.degraded_after_s[b] ?? 0));
    blocks.push(
      text("Keeps working for a while, then degrades (you have until then):"),
      list(byTime.map((service) => {
        const after = report.degraded_after_s[service] ?? 0;
        return `${name(service)} — degrades after ${after > 0 ? formatDuration(after * 1000) : "at once"}`;
      })),
    );
  }
  if (report.fails_over.length > 0) {
    blocks.push(text("Fails over:"), list(report.fails_over.map((move) => {
      const time = move.recovery.rto_s === null ? "" : `, about ${formatDuration(move.recovery.rto_s * 1000)}`;
      return `${name(move.service)} → ${move.to} (${strategyText(move.recovery.strategy)}${time})`;
    })));
  }
  if (report.interrupted.length > 0) {
    blocks.push(text("Pauses while that fails over:"), list(report.interrupted.map(name)));
  }
  if (report.unavailable.length + report.degraded.length + report.fails_over.length + report.interrupted.length === 0) {
    blocks.push(text("Nothing else is lost: everything keeps serving from elsewhere."));
  }
  return blocks;
}
