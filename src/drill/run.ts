// Runs a drill through its state machine (machine.ts) against a DrillWorld, journaling every state
// before acting: preconditions → marker write → inject → watch the primary fail and the failover
// happen (the agent's, or the drill's own in self mode) → DNS answers the standby → the standby serves
// → the marker checked on it → restore (undo the failure, fail back, see the primary serve). Another
// service degrading or the deadline passing aborts at once, and the abort restores the same way.
// `settleDrill` restores a drill a crash left behind.
import type { Clock } from "../engine/clock.js";
import type { DrillJournal } from "./journal.js";
import * as m from "./machine.js";
import type { Drill } from "./machine.js";
import { judge } from "./measure.js";
import type { DrillWorld } from "./world.js";

export interface RunDeps {
  clock: Clock;
  journal: DrillJournal;
  world: DrillWorld;
  deadlineMs: number;
  /** How long the restore may take to see the primary serving again. Default 2 minutes. */
  restoreTimeoutMs?: number;
  /** Told of every state change (the CLI prints them). */
  onChange?(drill: Drill): void;
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

async function until(deps: RunDeps, probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = deps.clock.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (deps.clock.now() >= end) return false;
    await sleep(deps.clock, deps.world.pollMs);
  }
}

function saver(deps: RunDeps) {
  return (drill: Drill): Drill => {
    const saved = deps.journal.save(drill);
    deps.onChange?.(saved);
    return saved;
  };
}

/** Undoes what the drill did (idempotent) and ends it; the outcome is judged when nothing went wrong. */
export async function restore(deps: RunDeps, start: Drill, why: string | undefined, outcome?: m.DrillOutcome): Promise<Drill> {
  const save = saver(deps);
  let drill = save(m.beginRestoring(start, why));
  if (drill.injectedAt !== undefined) {
    const undo = await deps.world.undoInjection().catch((error: unknown) => ({ ok: false, output: String(error) }));
    drill = save(m.note(drill, `undo the failure: ${undo.ok ? "done" : "FAILED"}: ${undo.output}`));
  }
  const back = await deps.world.failback().catch((error: unknown) => ({ ok: false, output: String(error) }));
  drill = save(m.note(drill, `failback: ${back.ok ? "done" : "FAILED"}: ${back.output}`));
  const restored = drill.injectedAt === undefined || await until(deps, () => deps.world.primaryRestored(), deps.restoreTimeoutMs ?? 120_000);
  const judged = judge(drill, deps.world.rpoMs, restored);
  const final = outcome ?? (why === undefined ? judged.outcome : "aborted");
  const reasons = why === undefined ? judged.why : [why, ...(restored ? [] : ["the primary was not seen serving again: look at it by hand"])];
  const summary = `${final}${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}; ${restored ? `${drill.service} serves from ${drill.primary} again` : `${drill.service} is NOT serving from ${drill.primary}`}`;
  return save(m.finished(drill, deps.clock.now(), restored, final, summary));
}

/** Checks the preconditions; on a pass, journals and runs the drill to its end. */
export async function runDrill(deps: RunDeps, planned: Drill): Promise<Drill> {
  const { world, clock } = deps;
  const save = saver(deps);
  let drill = deps.journal.begin(planned);
  const problems = await world.preconditions();
  if (problems.length > 0) return save(m.refuse(drill, problems, clock.now()));

  const marker = `understudy-drill-${drill.id}-${drill.startedAt}`;
  const write = await world.writeMarker(marker);
  if (write && !write.ok) return save(m.refuse(drill, [`the marker could not be written on ${drill.primary}: ${write.output}`], clock.now()));
  const replicaAge = await world.replicaAgeMs();

  drill = save(m.beginInjecting(drill, clock.now(), deps.deadlineMs));
  const injection = await world.inject().catch((error: unknown) => ({ ok: false, output: String(error) }));
  if (!injection.ok) return restore(deps, m.note(drill, `inject failed: ${injection.output}`), `the failure could not be injected (${injection.output})`, "failed");
  drill = save(m.injected(drill, clock.now(), injection.output));

  let failures = 0;
  let nextProbe = clock.now();
  let started = false;
  for (;;) {
    const now = clock.now();
    if (now > drill.deadlineAt!) return restore(deps, drill, `aborted: the deadline (${Math.round(deps.deadlineMs / 1000)} s after the failure) passed in state ${drill.state}`);
    const degraded = await world.othersDegraded();
    if (degraded.length > 0) return restore(deps, drill, `aborted: ${degraded.join(", ")} degraded during the drill`);
    const before = drill.state;

    if (drill.state === "injected") {
      if (now >= nextProbe) {
        nextProbe = now + world.checkIntervalMs;
        if (await world.primaryUp()) failures = 0;
        else {
          failures++;
          if (drill.firstFailureAt === undefined) drill = save(m.sawFailure(drill, now));
          if (world.mode === "self" && failures >= world.failureThreshold && !started) {
            started = true;
            const begun = await world.startFailover(now);
            if (!begun.ok) return restore(deps, drill, `the failover could not start: ${begun.output}`, "failed");
          }
        }
      }
      const run = world.failoverRun(drill.injectedAt!);
      if (run) drill = save(m.detected(drill, run.detectedAt ?? run.startedAt, run.startedAt, run.id));
    } else if (drill.state === "detected") {
      const run = world.failoverRun(drill.injectedAt!);
      if (run && run.status !== "running" && run.status !== "done") {
        return restore(deps, drill, `the failover ended ${run.status}: ${run.summary ?? "no summary"}`, "failed");
      }
      const dns = await world.dnsAtStandby();
      if (dns === true) drill = save(m.switched(drill, clock.now(), "DNS answers the standby"));
      else if (dns === undefined && run?.switchedAt !== undefined) drill = save(m.switched(drill, run.switchedAt, "no DNS configured: the run's switch step"));
    } else if (drill.state === "switched") {
      if (await world.standbyServes()) {
        const servedAt = clock.now();
        drill = save(m.serving(drill, servedAt, await dataCheck(world, marker, write, replicaAge)));
        return restore(deps, drill, undefined);
      }
    }
    // A state just reached is looked at again at once: the next step may already be true.
    if (drill.state === before) await sleep(clock, world.pollMs);
  }
}

async function dataCheck(world: DrillWorld, marker: string, write: { written: string } | undefined, replicaAge: number | undefined): Promise<m.DataCheck> {
  if (!write) return { marker: "not-probed", lostMs: undefined, note: "no drill.probe_write/probe_read configured: data loss not measured" };
  const seen = await world.readMarker(marker, write.written).catch(() => "unknown" as const);
  if (seen === "present") return { marker: seen, lostMs: 0, note: "the standby has the last write made before the failure" };
  if (seen === "missing") {
    return { marker: seen, lostMs: replicaAge, note: `the standby lacks the last write${replicaAge === undefined ? "; how much more is lost is not known (no replica recorded)" : `; its replica was ${Math.round(replicaAge / 1000)} s old at the failure`}` };
  }
  return { marker: seen, lostMs: undefined, note: "probe_read could not tell whether the standby has the marker" };
}

/** Restores a drill whose process died (kill -9, a reboot) and marks it interrupted. */
export async function settleDrill(deps: RunDeps, drill: Drill): Promise<Drill> {
  if (drill.state === "planned") {
    return deps.journal.save(m.finished(m.beginRestoring(drill, "interrupted before the failure was injected"), deps.clock.now(), true, "interrupted", "interrupted before the failure was injected: nothing to restore"));
  }
  const at = drill.state === "restoring" ? "while restoring" : `in state ${drill.state}`;
  const from = drill.state === "restoring" ? { ...drill, state: "serving" as const } : drill;
  return restore(deps, from, `interrupted ${at}: restored on the next start`, "interrupted");
}
