// "To remove this SPOF": the plan's recommended steps (src/plan/) for a host or service, so that the
// page that tells a person how to recover also says what would make the next time a non-event.
import { formatDuration } from "../config/duration.js";
import type { Block } from "./document.js";
import { list, text } from "./document.js";
import type { RunbookContext } from "./context.js";

export function spofFixBlocks(context: RunbookContext, component: string): Block[] {
  const steps = context.planSteps.filter((step) => step.spof.includes(component));
  if (steps.length === 0) return [text("The plan has no remedy for this one yet: see `understudy plan`.")];
  return [
    list(steps.map((step) => {
      const after = step.recovery_after.rto_s === null ? "" : `; recovery after: ${step.recovery_after.rto_s === 0 ? "instant" : `~${formatDuration(step.recovery_after.rto_s * 1000)}`}`;
      return `Phase ${step.phase}: ${step.remedy} (for ${step.service ?? "all"}${after}; ${step.effort.hours}h, ${step.effort.complexity})`;
    })),
    text("`understudy plan` shows each change to the config and its effect on the score."),
  ];
}
