// The drill's state machine. A drill is a record that moves through these states, each transition a
// named function that asserts where it comes from, stamps the time and returns the next record (the
// runner journals every one before acting on it, so a crash leaves a record saying what to undo):
//
//   planned ─► refused                                   (a precondition failed: nothing was touched)
//   planned ─► injecting ─► injected ─► detected ─► switched ─► serving ─► restoring ─► finished
//                    └──────────┴───────────┴───────────┴──────────┴──► restoring (abort, failure)
//
// `injecting` is written before the inject action runs: from then on, restoring must undo it.
// Pure: no clock (times are arguments), no I/O.
import type { Scenario } from "./config.js";

export const DRILL_STATES = {
  planned: "planned",
  refused: "refused",
  injecting: "injecting",
  injected: "injected",
  detected: "detected",
  switched: "switched",
  serving: "serving",
  restoring: "restoring",
  finished: "finished",
} as const;
export type DrillState = (typeof DRILL_STATES)[keyof typeof DRILL_STATES];

/** How a drill ended: passed (within target, restored), failed (measured but short of it, or the failover failed), aborted, refused, interrupted (a crash; restored on the next start). */
export type DrillOutcome = "passed" | "failed" | "aborted" | "refused" | "interrupted";

export interface DataCheck {
  /** present: the standby has the marker; missing: it does not; unknown: the probes could not tell; not-probed: none configured. */
  marker: "present" | "missing" | "unknown" | "not-probed";
  /** Data lost in ms: 0 when the marker is there; the standby's replica age at the failure when missing (undefined: not known). */
  lostMs: number | undefined;
  note: string;
}

export interface Drill {
  id: number;
  service: string;
  scenario: Scenario;
  /** agent: the running agent detects and fails over; self: the drill does, as the agent would. */
  mode: "agent" | "self";
  primary: string;
  standby: string;
  state: DrillState;
  outcome: DrillOutcome | undefined;
  /** The process running it (host name and pid), so a later start can tell a live drill from a dead one. */
  owner: { host: string; pid: number };
  targetRtoMs: number | undefined;
  deadlineAt: number | undefined;
  startedAt: number;
  injectedAt: number | undefined;
  firstFailureAt: number | undefined;
  detectedAt: number | undefined;
  decidedAt: number | undefined;
  switchedAt: number | undefined;
  servedAt: number | undefined;
  restoredAt: number | undefined;
  finishedAt: number | undefined;
  failoverRunId: number | undefined;
  data: DataCheck | undefined;
  /** Why it is being restored early (an abort, a failure), if it is. */
  abortReason: string | undefined;
  /** What happened, in order, for a person: preconditions refused, actions' outputs, restore steps. */
  notes: string[];
  summary: string | undefined;
}

export class DrillTransitionError extends Error {}

function expect(drill: Drill, allowed: readonly DrillState[], action: string): void {
  if (!allowed.includes(drill.state)) throw new DrillTransitionError(`bug: drill #${drill.id} cannot ${action} from ${drill.state}`);
}

export function newDrill(input: Pick<Drill, "service" | "scenario" | "mode" | "primary" | "standby" | "owner" | "targetRtoMs" | "startedAt">): Drill {
  return {
    ...input, id: 0, state: "planned", outcome: undefined, deadlineAt: undefined,
    injectedAt: undefined, firstFailureAt: undefined, detectedAt: undefined, decidedAt: undefined, switchedAt: undefined,
    servedAt: undefined, restoredAt: undefined, finishedAt: undefined, failoverRunId: undefined, data: undefined,
    abortReason: undefined, notes: [], summary: undefined,
  };
}

export const ACTIVE_STATES: readonly DrillState[] = ["injecting", "injected", "detected", "switched", "serving"];
export const isFinal = (drill: Drill) => drill.state === "finished" || drill.state === "refused";

export function refuse(drill: Drill, reasons: readonly string[], at: number): Drill {
  expect(drill, ["planned"], "be refused");
  return { ...drill, state: "refused", outcome: "refused", finishedAt: at, notes: [...drill.notes, ...reasons], summary: `not started: ${reasons.join("; ")}` };
}

export function beginInjecting(drill: Drill, at: number, deadlineMs: number): Drill {
  expect(drill, ["planned"], "inject");
  return { ...drill, state: "injecting", injectedAt: at, deadlineAt: at + deadlineMs };
}

export function injected(drill: Drill, at: number, output: string): Drill {
  expect(drill, ["injecting"], "be injected");
  // The failure counts from when the action returned: that is when the primary is gone.
  return { ...drill, state: "injected", injectedAt: at, deadlineAt: drill.deadlineAt === undefined ? undefined : drill.deadlineAt + (at - drill.injectedAt!), notes: [...drill.notes, `injected: ${output}`] };
}

export function sawFailure(drill: Drill, at: number): Drill {
  expect(drill, ["injected"], "see a failed check");
  return drill.firstFailureAt === undefined ? { ...drill, firstFailureAt: at } : drill;
}

export function detected(drill: Drill, detectedAt: number, decidedAt: number, failoverRunId: number | undefined): Drill {
  expect(drill, ["injected"], "detect");
  return { ...drill, state: "detected", firstFailureAt: drill.firstFailureAt ?? detectedAt, detectedAt, decidedAt, failoverRunId };
}

export function switched(drill: Drill, at: number, how: string): Drill {
  expect(drill, ["detected"], "switch");
  return { ...drill, state: "switched", switchedAt: at, notes: [...drill.notes, `switched: ${how}`] };
}

export function serving(drill: Drill, at: number, data: DataCheck): Drill {
  expect(drill, ["switched"], "serve");
  return { ...drill, state: "serving", servedAt: at, data };
}

export function beginRestoring(drill: Drill, why: string | undefined): Drill {
  expect(drill, ["planned", ...ACTIVE_STATES], "restore");
  return { ...drill, state: "restoring", abortReason: why };
}

export function note(drill: Drill, line: string): Drill {
  return { ...drill, notes: [...drill.notes, line] };
}

export function finished(drill: Drill, at: number, restored: boolean, outcome: DrillOutcome, summary: string): Drill {
  expect(drill, ["restoring"], "finish");
  return { ...drill, state: "finished", outcome, restoredAt: restored ? at : undefined, finishedAt: at, summary };
}
