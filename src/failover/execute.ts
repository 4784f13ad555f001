// Runs a plan step by step with the journal: each attempt is journaled before it starts and after it
// ends; a required step that fails rolls back, undoing what the run did to the world (rollBack below):
// the fenced source restored, the promoted target demoted, DNS back at the old address;
// the service's active host moves in the same transaction as the switch's "after" entry. Every step
// passes the coordinator's commit guard first (so does the rollback), so a run overtaken by a later one
// (or one whose agent lost the leadership) stops where it is; after each journal change the run is
// published through the coordinator (etcd: <prefix>/runs/<service>, the active host with the switch),
// and a refused publish stops the run too. The coordinator's leaderSignal aborts a step in flight when
// the term ends. resume.ts picks up a run a crash left behind; this file knows nothing about crashes.
import { currentOwner } from "./owner.js";
import type { Clock } from "../engine/clock.js";
import type { CommitResult, Coordinator } from "./coordinator.js";
import { lastAttempts, type FailoverJournal, type RunRecord, type RunStatus } from "./journal.js";
import { retryDelay, type Plan, type PlannedStep, type StepName } from "./plan.js";


export type StepOutcome =
  | { status: "done" | "skipped"; output: string }
  | { status: "failed"; reason: string; output: string };

export interface StepContext {
  plan: Plan;
  runId: number;
  attempt: number;
  signal: AbortSignal;
}

/** What the steps do to the world; the real ones are in steps.ts, tests pass fakes. */
export interface StepActions {
  run(step: PlannedStep, ctx: StepContext): Promise<StepOutcome>;
  /** Points DNS back at the old address (idempotent: a no-op when it is there). */
  rollbackSwitch(plan: Plan, signal: AbortSignal): Promise<StepOutcome>;
  /**
   * Undoes a fence or a promote (idempotent): `restore` makes the fenced source serve again (the
   * `restore` action, else the promote action run on the source); `demote` stops the promoted target
   * (the fence action run on the target). `skipped` when nothing is configured to do it.
   */
  undo(what: "restore" | "demote", plan: Plan, signal: AbortSignal): Promise<StepOutcome>;
  /** Tells people how the run ended; `run` is the journal so far, `status` how it ends. */
  notify(run: RunRecord, status: Exclude<RunStatus, "running">, summary: string): Promise<StepOutcome>;
}

export interface ExecuteDeps {
  journal: FailoverJournal;
  coordinator: Coordinator;
  clock: Clock;
  actions: StepActions;
  /** Moves the active host (compare-and-set); runs inside the switch's "after" transaction. */
  moveActive(plan: Plan): boolean;
  /** Tests only: called right after a step's "before" entry; throwing here simulates a crash. */
  afterStarted?(step: StepName | "rollback", runId: number): void;
  signal?: AbortSignal;
}

export interface RunResult {
  runId: number;
  status: Exclude<RunStatus, "running">;
  summary: string;
}

type Refused = Extract<CommitResult, { ok: false }>;

/** The guard before a step: the run as journaled, with this step shown as starting, goes with it. */
function guard(deps: ExecuteDeps, runId: number, step: StepName | "rollback"): Promise<CommitResult> {
  const run = deps.journal.get(runId)!;
  const now = deps.clock.now();
  const starting = { ...run, steps: [...run.steps, { step, attempt: 1, status: "started" as const, startedAt: now, finishedAt: undefined, reason: undefined, output: undefined }] };
  return deps.coordinator.commit({ service: run.service, runId, step, token: run.token }, starting);
}

/** Publishes the journal's latest state of the run (with the active host's move for a switch). */
function publish(deps: ExecuteDeps, runId: number, move?: { service: string; host: string }): Promise<CommitResult> {
  const run = deps.journal.get(runId)!;
  return deps.coordinator.publish(run, run.token, move);
}

function fenced(deps: ExecuteDeps, runId: number, refused: Refused): RunResult {
  deps.journal.finish(runId, "fenced", refused.message, deps.clock.now());
  return { runId, status: "fenced", summary: refused.message };
}

function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** One attempt under its timeout (on the injected clock); a thrown error is a failure, not a crash. */
async function attempt(deps: ExecuteDeps, step: PlannedStep, ctx: Omit<StepContext, "signal">): Promise<StepOutcome> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  deps.signal?.addEventListener("abort", abort, { once: true });
  let timer: unknown;
  const timeout = new Promise<StepOutcome>((resolve) => {
    timer = deps.clock.setTimeout(() => {
      controller.abort();
      resolve({ status: "failed", reason: "timeout", output: `${step.name} did not finish within ${Math.round(step.timeoutMs / 1000)} s` });
    }, step.timeoutMs);
  });
  try {
    return await Promise.race([
      deps.actions.run(step, { ...ctx, signal: controller.signal }).catch((error: unknown): StepOutcome => ({ status: "failed", reason: "error", output: error instanceof Error ? error.message : String(error) })),
      timeout,
    ]);
  } finally {
    deps.clock.clearTimeout(timer);
    deps.signal?.removeEventListener("abort", abort);
  }
}

/** Runs one step with its retry policy, journaling (and publishing) every attempt. */
async function runStep(deps: ExecuteDeps, runId: number, plan: Plan, step: PlannedStep): Promise<StepOutcome | Refused> {
  let outcome: StepOutcome = { status: "failed", reason: "error", output: "not run" };
  const firstAt = deps.clock.now();
  for (let n = 1; n <= step.retry.attempts; n++) {
    // The commit guard ran before the first attempt; a retry comes after a wait, and a process stopped
    // (SIGSTOP, a suspended VM) through that wait may have lost its leadership meanwhile: check again,
    // synchronously, before acting (timers overdue after a stop fire in no useful order).
    if (n > 1 && !deps.coordinator.isLeader()) {
      outcome = { status: "failed", reason: "fenced", output: `no further attempt of ${step.name}: this agent no longer leads` };
      break;
    }
    const entry = deps.journal.stepStarted(runId, step.name, n, deps.clock.now());
    deps.afterStarted?.(step.name, runId);
    outcome = await attempt(deps, step, { plan, runId, attempt: n });
    const moves = step.name === "switch" && outcome.status !== "failed";
    deps.journal.stepFinished(entry, { status: outcome.status, reason: outcome.status === "failed" ? outcome.reason : undefined, output: outcome.output }, deps.clock.now(),
      moves ? () => void deps.moveActive(plan) : undefined);
    const published = await publish(deps, runId, moves ? { service: plan.service, host: plan.to } : undefined);
    if (!published.ok) return published;
    if (outcome.status !== "failed" || step.retry.final.includes(outcome.reason) || n === step.retry.attempts || deps.signal?.aborted) break;
    const delay = retryDelay(step.retry, n);
    if (step.retry.withinMs !== undefined && deps.clock.now() + delay - firstAt >= step.retry.withinMs) {
      outcome = { ...outcome, output: `${outcome.output} (still failing after ${Math.round((deps.clock.now() - firstAt) / 1000)} s, ${n} attempts; verify_timeout is ${Math.round(step.retry.withinMs / 1000)} s)` };
      break;
    }
    await sleep(deps.clock, delay, deps.signal);
  }
  return outcome;
}

function took(plan: Plan, now: number, startedAt: number): string {
  const since = plan.detectedAt ?? startedAt;
  return `${((now - since) / 1000).toFixed(1)} s`;
}

/** Ends a run: the notify step (journaled, best effort), then the run's final status. */
export async function finishRun(deps: ExecuteDeps, runId: number, status: Exclude<RunStatus, "running">, summary: string): Promise<RunResult> {
  const run = deps.journal.get(runId)!;
  const notify = run.plan.steps.find((step) => step.name === "notify");
  const done = run.steps.some((record) => record.step === "notify" && record.status !== "started");
  if (notify && !done) {
    const allowed = await guard(deps, runId, "notify");
    if (!allowed.ok) return fenced(deps, runId, allowed);
    const entry = deps.journal.stepStarted(runId, "notify", 1, deps.clock.now());
    deps.afterStarted?.("notify", runId);
    const outcome = await deps.actions.notify(run, status, summary).catch((error: unknown): StepOutcome => ({ status: "failed", reason: "error", output: String(error) }));
    deps.journal.stepFinished(entry, { status: outcome.status, reason: outcome.status === "failed" ? outcome.reason : undefined, output: outcome.output }, deps.clock.now());
  }
  deps.journal.finish(runId, status, summary, deps.clock.now());
  // The run is over here whatever etcd says; a refused publish leaves the next leader to settle it again.
  await publish(deps, runId);
  return { runId, status, summary };
}

/** What a rollback must undo, read from the run's own steps (so a rollback redone after a crash undoes the same). */
function undoList(run: RunRecord): Array<"restore" | "demote" | "dns"> {
  const last = lastAttempts({ steps: run.steps.filter((record) => record.step !== "rollback") });
  const list: Array<"restore" | "demote" | "dns"> = [];
  if (last.get("fence")?.status === "done") list.push("restore");
  const promote = last.get("promote");
  if (promote !== undefined && promote.status !== "skipped") list.push("demote");
  if (last.has("switch")) list.push("dns");
  return list;
}

/**
 * Undoes what the run did, each undo journaled as a "rollback" entry: the fenced source restored first
 * (so something serves), then the promoted target demoted and DNS put back. When the source cannot be
 * restored the target is left as it is (it may be the only instance able to serve) and the run fails,
 * saying so. Ends the run as rolled back, or failed when an undo failed.
 */
export async function rollBack(deps: ExecuteDeps, runId: number, why: string): Promise<RunResult> {
  const run = deps.journal.get(runId)!;
  const plan = run.plan;
  const todo = undoList(run);
  if (todo.length === 0) return finishRun(deps, runId, "rolled-back", `${why}; nothing was changed: ${plan.service} stays on ${run.from}`);
  // A deposed leader does not touch the world, not even to put it back: the next leader settles the run.
  const allowed = await guard(deps, runId, "rollback");
  if (!allowed.ok) return fenced(deps, runId, allowed);
  const signal = deps.signal ?? new AbortController().signal;
  const undone: string[] = [];
  const failed: string[] = [];
  let attemptNo = 0;
  const undo = async (label: string, act: () => Promise<StepOutcome>): Promise<StepOutcome | Refused> => {
    const entry = deps.journal.stepStarted(runId, "rollback", ++attemptNo, deps.clock.now());
    deps.afterStarted?.("rollback", runId);
    const outcome = await act().catch((error: unknown): StepOutcome => ({ status: "failed", reason: "error", output: String(error) }));
    deps.journal.stepFinished(entry, { status: outcome.status, reason: outcome.status === "failed" ? outcome.reason : undefined, output: `${label}: ${outcome.output}` }, deps.clock.now());
    const published = await publish(deps, runId);
    if (!published.ok) return published;
    if (outcome.status === "failed") failed.push(`${label} FAILED (${outcome.output})`);
    else if (outcome.status === "done") undone.push(label);
    return outcome;
  };
  let restoreFailed = false;
  for (const what of todo) {
    if (what === "restore") {
      const outcome = await undo(`${run.from} restored (its fence undone)`, () => deps.actions.undo("restore", plan, signal));
      if ("ok" in outcome) return fenced(deps, runId, outcome);
      restoreFailed = outcome.status === "failed";
    } else if (what === "demote") {
      if (restoreFailed) continue;
      const outcome = await undo(`${run.to} demoted (its promote undone)`, () => deps.actions.undo("demote", plan, signal));
      if ("ok" in outcome) return fenced(deps, runId, outcome);
    } else {
      const outcome = await undo(`DNS back at ${plan.addresses.from}`, () => deps.actions.rollbackSwitch(plan, signal));
      if ("ok" in outcome) return fenced(deps, runId, outcome);
    }
  }
  const did = undone.length > 0 ? `; undone: ${undone.join(", ")}` : "";
  if (failed.length > 0) {
    const left = restoreFailed && todo.includes("demote") ? `; ${run.to} was left promoted, since ${run.from} could not serve again` : "";
    return finishRun(deps, runId, "failed", `${why}${did}; ${failed.join("; ")}${left}: check ${plan.service} by hand (understudy status shows each instance)`);
  }
  return finishRun(deps, runId, "rolled-back", `${why}${did}: ${plan.service} stays on ${run.from}`);
}

/** Runs the plan's steps from `from` (an index into plan.steps) to the switch, then ends the run. */
export async function executeFrom(given: ExecuteDeps, runId: number, plan: Plan, token: number, from: number, note = ""): Promise<RunResult> {
  // The term's end aborts like the agent stopping: the step in flight is cut short, the guards refuse the rest.
  const term = given.coordinator.leaderSignal();
  const deps: ExecuteDeps = { ...given, signal: given.signal ? AbortSignal.any([given.signal, term]) : term };
  const startedAt = deps.journal.get(runId)!.startedAt;
  if (deps.journal.get(runId)!.token !== token) deps.journal.retoken(runId, token);
  const switchIndex = plan.steps.findIndex((step) => step.name === "switch");
  for (const step of plan.steps.slice(from, switchIndex + 1)) {
    if (step.notBefore !== undefined) await sleep(deps.clock, step.notBefore - deps.clock.now(), deps.signal);
    if (deps.signal?.aborted) return rollBack(deps, runId, `stopped before ${step.name}: ${term.aborted ? "this agent is no longer the leader" : "the agent is stopping"}`);
    // The guard comes last before acting: a wait above may have let a later run take over.
    const commit = await guard(deps, runId, step.name);
    if (!commit.ok) return fenced(deps, runId, commit);
    const outcome = await runStep(deps, runId, plan, step);
    if ("ok" in outcome) return fenced(deps, runId, outcome);
    if (outcome.status === "failed" && step.required) return rollBack(deps, runId, `${step.name} failed (${outcome.reason}: ${outcome.output})`);
  }
  const now = deps.clock.now();
  const verb = plan.kind === "failback" ? "failed back" : "failed over";
  return finishRun(deps, runId, "done", `${plan.service} ${verb} from ${plan.from} to ${plan.to} in ${took(plan, now, startedAt)}${note}`);
}

/** Starts a new run of the plan. */
export async function startRun(deps: ExecuteDeps, plan: Plan): Promise<RunResult> {
  const token = await deps.coordinator.fencingToken(plan.service);
  // The owner goes into the journal, so a restarted agent leaves a run this process still runs alone.
  const owned: Plan = { ...plan, owner: currentOwner() };
  const runId = deps.journal.begin(owned, token, deps.clock.now());
  return executeFrom(deps, runId, owned, token, 0);
}
