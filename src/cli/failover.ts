// `understudy failover SERVICE [--to HOST] [--dry-run] [--force]` (and, through runMove, failback):
// plans the move, prints it, and with no --dry-run runs it with the journal in the data directory.
// Runs a crash left unfinished are settled first. The running agent is asked for its verdicts (so
// the guards know whether the standby is down); the store's fencing token stops an agent's own run
// of the same service if one is in flight, and the agent follows the active host the run leaves.
// With etcd coordination the command must take the leader key (free only when no agent leads) and
// refuses otherwise, naming the leader (src/failover/open.ts).
import { describePlan } from "../failover/plan.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags } from "./options.js";
import { openFailovers } from "../failover/open.js";

export const usage = `Usage: understudy failover SERVICE [--to HOST] [--dry-run] [--force] [--config FILE]

  Moves SERVICE from its active host to a standby: fence the old one, check the standby's replica
  against the RPO, promote it, verify it with the service's own checks, switch DNS (read back),
  notify. Moving a healthy primary (a switchover) also ships a final snapshot from it to the standby
  after the fence, so nothing written is lost. Each step is journaled (see \`understudy history\`);
  a crash resumes or rolls back, and a rollback restores what the run fenced.
  --to HOST   the standby to move to (default: the first one not down)
  --dry-run   print the plan and the guards' verdict; change nothing
  --force     go ahead despite the guards (anti-flap, maintenance, a down standby) and a stale replica`;

/** failover and failback: the same flow, a different target. */
export async function runMove(kind: "failover" | "failback", argv: string[], io: Io, usageText: string): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, to: { type: "string" }, "dry-run": { type: "boolean" }, force: { type: "boolean" } }, usageText, true);
  const [service, ...extra] = positionals;
  if (service === undefined || extra.length > 0) throw new UsageError(`${kind} takes exactly one SERVICE`, usageText);
  if (kind === "failback" && values.to !== undefined) throw new UsageError("failback always moves back to the primary; --to is for failover", usageText);
  // A dry run takes no leadership and needs no etcd: it only plans.
  const opened = await openFailovers(configPath(values.config, io.env), io.env, { offline: values["dry-run"] === true });
  try {
    const { failovers } = opened;
    if (!values["dry-run"]) {
      for (const result of await failovers.resume()) writeLine(io.stderr, `settled run #${result.runId} a crash left unfinished: ${result.status}: ${result.summary}`);
    }
    // A host that received the serving one's data since its fence is warm again (failback needs that).
    await failovers.refreshStates();
    const planned = failovers.plan({ service, kind, to: values.to, force: values.force === true, reason: `asked by ${io.env.USER ?? "a person"} on the command line` });
    if (!planned.ok) throw new UsageError(planned.message, usageText);
    writeLine(io.stdout, describePlan(planned.plan).join("\n"));
    for (const refusal of planned.refusals) writeLine(io.stderr, `guard ${refusal.guard}: ${refusal.message}`);
    if (values["dry-run"]) {
      writeLine(io.stdout, planned.refusals.length > 0 ? "dry run: the guards above would refuse it (--force overrides); nothing was changed." : "dry run: nothing was changed.");
      return 0;
    }
    if (planned.refusals.length > 0) {
      writeLine(io.stderr, `${kind} refused by the guards above; --force overrides them. Nothing was changed.`);
      return 1;
    }
    const result = await failovers.run(planned.plan);
    const run = failovers.journal.get(result.runId)!;
    for (const step of run.steps) {
      writeLine(io.stdout, `  ${step.step.padEnd(13)} ${step.status}${step.finishedAt === undefined ? "" : ` ${step.finishedAt - step.startedAt} ms`}${step.output ? `  ${step.output.split("\n")[0]}` : ""}`);
    }
    writeLine(result.status === "done" ? io.stdout : io.stderr, `${result.status}: ${result.summary} (run #${result.runId})`);
    return result.status === "done" ? 0 : 1;
  } finally {
    await opened.close();
  }
}

export function failover(argv: string[], io: Io): Promise<number> {
  return runMove("failover", argv, io, usage);
}
