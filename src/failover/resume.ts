// After a crash: every run the journal shows as still running is brought to a consistent end.
//   - a rollback had begun → finish it (DNS back to the old address), then notify;
//   - the switch completed → the service has moved (the active host moved in the same transaction):
//     only the notification may be missing, so send it and close the run as done;
//   - otherwise, within `resumeWindowMs` of its start, go on from the first step not completed; when
//     the switch had begun, from verify, so traffic only moves to a standby seen serving *now*;
//   - older than that, roll back (undoing a fence or a promote already begun, see rollBack): the world
//     has moved on and a person should decide again.
// Whatever the path, the summary says the agent stopped mid-run and at which step, so `history` tells.
// Never is a DNS record left pointing at a host the run did not verify.
// Whatever the path, the run first takes this process's token (retoken): the guards compare it, and the
// token the run died with belonged to a process (or, with etcd, a leader's term) that is gone.
import type { ExecuteDeps, RunResult } from "./execute.js";
import { executeFrom, finishRun, rollBack } from "./execute.js";
import { lastAttempts, type RunRecord } from "./journal.js";

export const DEFAULT_RESUME_WINDOW_MS = 5 * 60_000;

export async function resumeRun(deps: ExecuteDeps, run: RunRecord, resumeWindowMs = DEFAULT_RESUME_WINDOW_MS): Promise<RunResult> {
  const token = await deps.coordinator.fencingToken(run.service);
  deps.journal.retoken(run.id, token);
  const last = lastAttempts(run);
  const finished = (name: string) => {
    const record = last.get(name as never);
    if (!record || record.status === "started") return false;
    // A best-effort step that failed counts as passed: the run went on after it.
    return record.status !== "failed" || run.plan.steps.find((step) => step.name === name)?.required === false;
  };
  const interrupted = [...run.steps].reverse().find((record) => record.status === "started")?.step ?? "between steps";
  const stopped = `the agent stopped (crash, kill or power loss) during ${interrupted}`;
  if (last.has("rollback")) return rollBack(deps, run.id, `${stopped}; the rollback was finished after the restart (${run.summary ?? "interrupted"})`);
  if (finished("switch")) {
    return finishRun(deps, run.id, "done", `${run.service} ${run.kind === "failback" ? "failed back" : "failed over"} from ${run.from} to ${run.to} (${stopped}, after the switch; the restarted agent closed the run)`);
  }
  if (deps.clock.now() - run.startedAt > resumeWindowMs) {
    return rollBack(deps, run.id, `${stopped} and was restarted ${Math.round((deps.clock.now() - run.startedAt) / 1000)} s after the run began, too late to go on`);
  }
  const names = run.plan.steps.map((step) => step.name);
  let from = names.findIndex((name) => !finished(name));
  if (from < 0) from = names.length;
  if (last.has("switch")) from = Math.min(from, names.indexOf("verify"));
  return executeFrom(deps, run.id, run.plan, token, from, ` (resumed: ${stopped})`);
}
