// "Last drill": the measured numbers of the service's last `understudy drill`, when the caller has
// them; otherwise the command that would produce them.
import { formatDuration } from "../config/duration.js";
import type { Block } from "./document.js";
import { text } from "./document.js";
import type { RunbookContext } from "./context.js";

export function drillBlocks(context: RunbookContext, service: string): Block[] {
  const drill = context.facts.drills?.get(service);
  if (!drill) return [text(`No drill yet — run \`understudy drill ${service}\` to measure the failover against the target.`)];
  const lost = drill.data_lost_s === null ? "unknown" : formatDuration(drill.data_lost_s * 1000);
  return [text(`${drill.passed ? "Passed" : "Failed"} on ${drill.at}: detected in ${formatDuration(drill.detect_s * 1000)}, serving from the standby after ${formatDuration(drill.failover_s * 1000)}, data lost: ${lost}.`)];
}
