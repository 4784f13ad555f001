// The invariant checker for the multi-agent chaos tests (schedules in chaos.ts): pure, over what the
// test recorded — the DNS record's polled history, the induced failures, every agent's failover journal
// (and etcd's copy), and, when known, each agent's leadership terms and pauses.
//
// The invariants:
// - dns-answer: the record always answers exactly one known instance address;
// - dns-failover-per-failure: every change of the record is matched to its own induced failure of the
//   host it moved away from, which happened before it (so: at most one failover per failure, and none
//   without a failure, e.g. from one agent's broken link);
// - run-per-failure: every run that began is explained by an earlier failure of its `from` host, and at
//   most one run per failure ends "done";
// - fencing-overlap: no two journaled steps that act on the world (all but verify and check-replica,
//   which only read) holding different fencing tokens overlap in time. A read in flight when its
//   agent was stopped (SIGSTOP) ends after its successor's steps; what it may not do is lead to an act,
//   which fencing-order and fencing-term catch;
// - fencing-order: no step holding token t starts after a step holding a greater token started (a
//   deposed leader acting after its successor).
// - fencing-term (when the agents' leadership terms are known, from their "leadership" log lines): a
//   step an agent journaled is its own only if it started during one of its terms, and then it holds
//   that term's token; a step outside every term of its agent must be a copy of another agent's own
//   step (same service, step and attempt, started within COPY_SLACK_MS), or a copy of a step only
//   etcd's journal holds, committed during another agent's term (that agent wrote etcd, then was
//   stopped before its own row), or it is an agent acting while not leading.
// Why terms: a journal cannot say which token a step ran under. A new leader adopts a run from etcd
// with its earlier steps and retokens the run, so the copied steps show the adopter's token (and the
// copy's start can differ by a few ms: etcd's copy is stamped at commit, the local row just after).
// Without terms (synthetic histories), each step holds its run's token and identical steps count once.
// An unfinished step (its agent died in it) spans [startedAt, startedAt]; "etcd" runs are copies only.

export interface DnsSample {
  at: number;
  /** The addresses answered; undefined when the poll got no answer (not a violation by itself). */
  values: string[] | undefined;
}

export interface InducedFailure {
  at: number;
  /** The host (config name) whose instance was killed. */
  host: string;
}

export interface JournalStep {
  step: string;
  attempt: number;
  status: string;
  startedAt: number;
  finishedAt: number | undefined;
}

export interface JournalRun {
  /** Whose journal it came from ("etcd" for the runs kept there). */
  agent: string;
  /** The run's identity: the same key in two journals is one run (resumed or copied). */
  key: string;
  service: string;
  token: number;
  status: string;
  from: string;
  to: string;
  startedAt: number;
  steps: JournalStep[];
}

/** An agent's time as leader, from its log: "leading (token T)" until it stopped leading or died. */
export interface LeaderTerm {
  agent: string;
  token: number;
  from: number;
  /** undefined: still leading when the history was taken. */
  to: number | undefined;
}

export interface ChaosHistory {
  /** host name → the address the record holds while that host is active. */
  addresses: Record<string, string>;
  dns: DnsSample[];
  failures: InducedFailure[];
  runs: JournalRun[];
  terms?: LeaderTerm[];
  /**
   * When agents were stopped (SIGSTOP → SIGCONT). A stopped leader's logged term runs on until it
   * wakes, yet it cannot act meanwhile: a step in its journal from inside a pause is a copy (adopted
   * later), never its own act.
   */
  pauses?: Array<{ agent: string; from: number; to: number }>;
}

/** "liveness" is not checked here: the test adds it when the lab does not settle after a schedule. */
export type Invariant = "dns-answer" | "dns-failover-per-failure" | "run-per-failure" | "fencing-overlap" | "fencing-order" | "fencing-term" | "liveness";

export interface Violation {
  invariant: Invariant;
  message: string;
}

export interface Verdict {
  violations: Violation[];
  /** Changes of the DNS record seen. */
  dnsFailovers: number;
  /** Distinct runs that ended "done". */
  completedRuns: number;
}

const iso = (at: number) => new Date(at).toISOString();

/** Each item needs its own failure of `host` at or before `at`; answers the items left without one. */
function matchToFailures<T extends { at: number; host: string }>(items: T[], failures: InducedFailure[]): T[] {
  const used = new Set<number>();
  const unmatched: T[] = [];
  for (const item of [...items].sort((a, b) => a.at - b.at)) {
    // The latest unused failure of that host before it: a later failure cannot explain it.
    let pick = -1;
    failures.forEach((failure, index) => {
      if (!used.has(index) && failure.host === item.host && failure.at <= item.at && (pick < 0 || failure.at > failures[pick]!.at)) pick = index;
    });
    if (pick < 0) unmatched.push(item);
    else used.add(pick);
  }
  return unmatched;
}

function checkDns(history: ChaosHistory, violations: Violation[]): number {
  const hostOf = new Map(Object.entries(history.addresses).map(([host, address]) => [address, host]));
  const transitions: Array<{ at: number; host: string; to: string }> = [];
  let current: string | undefined;
  for (const sample of history.dns) {
    if (sample.values === undefined) continue;
    const host = sample.values.length === 1 ? hostOf.get(sample.values[0]!) : undefined;
    if (host === undefined) {
      violations.push({ invariant: "dns-answer", message: `at ${iso(sample.at)} the record answered [${sample.values.join(", ")}], not exactly one of ${[...hostOf.keys()].join(", ")}` });
      continue;
    }
    if (current !== undefined && host !== current) transitions.push({ at: sample.at, host: current, to: host });
    current = host;
  }
  for (const change of matchToFailures(transitions, history.failures)) {
    violations.push({ invariant: "dns-failover-per-failure", message: `at ${iso(change.at)} the record moved from ${change.host} to ${change.to} without a failure of ${change.host} of its own before it (failures: ${history.failures.map((f) => `${f.host}@${iso(f.at)}`).join(", ") || "none"})` });
  }
  return transitions.length;
}

/** How far a run got: a deposed leader's copy says "fenced" or "running" where its successor's says "done". */
const STATUS_RANK: Record<string, number> = { running: 0, fenced: 1, failed: 2, "rolled-back": 2, done: 3 };

/** One entry per run key, with the furthest status any journal holding it recorded. */
function mergeRuns(runs: JournalRun[]): JournalRun[] {
  const byKey = new Map<string, JournalRun>();
  for (const run of runs) {
    const seen = byKey.get(run.key);
    if (!seen || (STATUS_RANK[run.status] ?? 0) > (STATUS_RANK[seen.status] ?? 0)) byKey.set(run.key, run);
  }
  return [...byKey.values()];
}

function checkRuns(history: ChaosHistory, violations: Violation[]): number {
  const runs = mergeRuns(history.runs);
  for (const run of runs) {
    if (!history.failures.some((failure) => failure.host === run.from && failure.at <= run.startedAt)) {
      violations.push({ invariant: "run-per-failure", message: `run ${run.key} (${run.agent}) of ${run.service} from ${run.from} to ${run.to} began at ${iso(run.startedAt)} with no failure of ${run.from} before it` });
    }
  }
  const done = runs.filter((run) => run.status === "done").map((run) => ({ ...run, at: run.startedAt, host: run.from }));
  for (const run of matchToFailures(done, history.failures)) {
    violations.push({ invariant: "run-per-failure", message: `run ${run.key} (${run.agent}) of ${run.service} from ${run.from} to ${run.to}, started ${iso(run.startedAt)}, is a second completed failover for one failure` });
  }
  return done.length;
}

interface TimedStep {
  agent: string;
  key: string;
  service: string;
  token: number;
  step: string;
  attempt: number;
  from: number;
  to: number;
}

/** A copy's start may differ from the original's by this much (commit time vs the local row). */
export const COPY_SLACK_MS = 250;
/** A step may start this long after its agent logged the end of its term (commit, then the local row). */
export const TERM_SLACK_MS = 250;

/** Without terms: every step once, holding its run's token; identical copies keep the lowest token. */
function stepsByRunToken(runs: JournalRun[]): TimedStep[] {
  const byIdentity = new Map<string, TimedStep>();
  for (const run of runs) {
    if (run.agent === "etcd") continue;
    for (const step of run.steps) {
      const identity = `${run.service}|${step.step}|${step.attempt}|${step.startedAt}`;
      const timed = { agent: run.agent, key: run.key, service: run.service, token: run.token, step: step.step, attempt: step.attempt, from: step.startedAt, to: step.finishedAt ?? step.startedAt };
      const seen = byIdentity.get(identity);
      if (!seen || timed.token < seen.token) byIdentity.set(identity, timed);
    }
  }
  return [...byIdentity.values()];
}

/** With terms: each agent's own steps holding their term's token; a step outside its agent's terms must be a copy. */
function stepsByTerm(runs: JournalRun[], terms: LeaderTerm[], pauses: NonNullable<ChaosHistory["pauses"]>, violations: Violation[]): TimedStep[] {
  const paused = (agent: string, at: number) => pauses.some((pause) => pause.agent === agent && pause.from <= at && at <= pause.to);
  const termOf = (agent: string, at: number) => paused(agent, at) ? undefined : terms.find((term) => term.agent === agent && term.from <= at && at <= (term.to ?? Infinity) + TERM_SLACK_MS);
  const own: TimedStep[] = [];
  const strays: Array<{ run: JournalRun; step: JournalStep }> = [];
  for (const run of runs) {
    if (run.agent === "etcd") continue;
    for (const step of run.steps) {
      const term = termOf(run.agent, step.startedAt);
      if (term) own.push({ agent: run.agent, key: run.key, service: run.service, token: term.token, step: step.step, attempt: step.attempt, from: step.startedAt, to: step.finishedAt ?? step.startedAt });
      else strays.push({ run, step });
    }
  }
  /** The same service, step and attempt, started within COPY_SLACK_MS. */
  const sameStep = (service: string, step: JournalStep, other: { service: string; step: string; attempt: number; from: number }) =>
    other.service === service && other.step === step.step && other.attempt === step.attempt && Math.abs(other.from - step.startedAt) <= COPY_SLACK_MS;
  // A leader writes a step to etcd (which checks its token) before its own journal's row; stopped or
  // killed between the two, the step lives only in etcd's copy. It is then the act of whoever led
  // when etcd committed it; an instant, as a step its agent died in (etcd's end is its adopter's).
  const etcdOriginals: TimedStep[] = [];
  for (const { run, step } of strays) {
    if ([...own, ...etcdOriginals].some((mine) => mine.agent !== run.agent && sameStep(run.service, step, mine))) continue;
    const inEtcd = runs.find((copy) => copy.agent === "etcd" && copy.key === run.key)?.steps
      .map((copied) => ({ service: run.service, step: copied.step, attempt: copied.attempt, from: copied.startedAt }))
      .find((copied) => sameStep(run.service, step, copied));
    const term = inEtcd && terms.find((candidate) => candidate.agent !== run.agent && termOf(candidate.agent, inEtcd.from) === candidate);
    if (inEtcd && term) etcdOriginals.push({ ...inEtcd, agent: term.agent, key: run.key, token: term.token, to: inEtcd.from });
  }
  own.push(...etcdOriginals);
  for (const { run, step } of strays) {
    const original = own.some((mine) => mine.agent !== run.agent && sameStep(run.service, step, mine));
    if (!original) {
      violations.push({ invariant: "fencing-term", message: `${run.agent} journaled ${step.step} (attempt ${step.attempt}) of run ${run.key} at ${iso(step.startedAt)} while not leading, and no other agent's journal holds it as its own` });
    }
  }
  return own;
}

const describeStep = (step: TimedStep) => `${step.step} of run ${step.key} (${step.agent}, token ${step.token}, ${iso(step.from)}–${iso(step.to)})`;

/** Steps that only read (probe the standby, look at the replica's age). */
const READS_ONLY = new Set(["verify", "check-replica"]);
const acts = (step: TimedStep) => !READS_ONLY.has(step.step);

function checkFencing(history: ChaosHistory, violations: Violation[]): void {
  const steps = (history.terms ? stepsByTerm(history.runs, history.terms, history.pauses ?? [], violations) : stepsByRunToken(history.runs)).sort((a, b) => a.from - b.from);
  for (let i = 0; i < steps.length; i++) {
    for (let j = i + 1; j < steps.length && steps[j]!.from <= steps[i]!.to; j++) {
      const [a, b] = [steps[i]!, steps[j]!];
      if (a.token !== b.token && acts(a) && acts(b)) violations.push({ invariant: "fencing-overlap", message: `${describeStep(a)} overlaps ${describeStep(b)}` });
    }
  }
  let newest: TimedStep | undefined;
  for (const step of steps) {
    if (newest && step.token < newest.token && step.from > newest.from) {
      violations.push({ invariant: "fencing-order", message: `${describeStep(step)} started after ${describeStep(newest)}, which holds a newer token` });
    }
    if (!newest || step.token > newest.token) newest = step;
  }
}

export function checkInvariants(history: ChaosHistory): Verdict {
  const violations: Violation[] = [];
  const dnsFailovers = checkDns(history, violations);
  const completedRuns = checkRuns(history, violations);
  checkFencing(history, violations);
  return { violations, dnsFailovers, completedRuns };
}
