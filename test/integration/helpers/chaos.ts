// Randomized fault schedules for the multi-agent tests, and the invariant checker that judges what
// happened. Pure: the generator and the checker touch nothing; `runSchedule` drives a `ChaosTarget`
// that the test implements against its lab (network namespaces, etcd, services, agents).
//
// The generator walks a model of the lab so that every schedule is valid (resume only what is paused,
// heal only what is cut…) and stays within what the system promises to survive:
// - at most `agents - quorum` agents are cut from the service at once: more than that, and the agents
//   cannot tell the service's death from their own links' (which is what the quorum is for), so a
//   failover would be right;
// - at most one etcd member is paused at once (a majority stays up, so etcd can serve);
// - at most one induced failure is open at a time, and it kills the *active* instance only while the
//   other instance is up (a failover has somewhere to go).
// Every schedule ends with `settle` events that undo whatever is still broken except the service's
// failure, so the checker also sees whether the system recovers.
//
// The invariants, over the DNS record's polled history and every agent's failover journal:
// - dns-answer: the record always answers exactly one known instance address;
// - dns-failover-per-failure: every change of the record is matched to its own induced failure of the
//   host it moved away from, which happened before it (so: at most one failover per failure, and none
//   without a failure, e.g. from one agent's broken link);
// - run-per-failure: every run that began is explained by an earlier failure of its `from` host, and at
//   most one run per failure ends "done";
// - fencing-overlap: no two journaled steps holding different fencing tokens overlap in time;
// - fencing-order: no step holding token t starts after a step holding a greater token started (a
//   deposed leader acting after its successor).
// - fencing-term (when the agents' leadership terms are known, from their "leadership" log lines): a
//   step an agent journaled is its own only if it started during one of its terms, and then it holds
//   that term's token; a step outside every term of its agent must be a copy of another agent's own
//   step (same service, step and attempt, started within COPY_SLACK_MS), or it is an agent acting
//   while not leading.
// Why terms: a journal cannot say which token a step ran under. A new leader adopts a run from etcd
// with its earlier steps and retokens the run, so the copied steps show the adopter's token (and the
// copy's start can differ by a few ms: etcd's copy is stamped at commit, the local row just after).
// Without terms (synthetic histories), each step holds its run's token and identical steps count once.
// An unfinished step (its agent died in it) spans [startedAt, startedAt]; "etcd" runs are copies only.

export type EventKind =
  | "partition-service"
  | "partition-etcd"
  | "heal"
  | "pause-agent"
  | "resume-agent"
  | "kill-agent"
  | "restart-agent"
  | "fail-service"
  | "restore-service"
  | "pause-etcd"
  | "resume-etcd";

export const EVENT_KINDS: readonly EventKind[] = ["partition-service", "partition-etcd", "heal", "pause-agent", "resume-agent", "kill-agent", "restart-agent", "fail-service", "restore-service", "pause-etcd", "resume-etcd"];

export type ChaosEvent =
  | { kind: "partition-service"; agent: string }
  | { kind: "partition-etcd"; agent: string; members: number[] }
  | { kind: "heal" | "pause-agent" | "resume-agent" | "kill-agent" | "restart-agent"; agent: string }
  | { kind: "fail-service" | "restore-service" }
  | { kind: "pause-etcd" | "resume-etcd"; member: number };

export interface PlannedEvent {
  /** Offset from the schedule's start. */
  atMs: number;
  event: ChaosEvent;
}

export interface Schedule {
  seed: number;
  events: PlannedEvent[];
  /** How long the last event's damage stands before the settle events (long enough to be acted on). */
  holdMs: number;
  /** Undo whatever is still broken at the end (all but an open service failure). */
  settle: ChaosEvent[];
}

export interface ScheduleOptions {
  agents: string[];
  etcdMembers: number;
  quorum: number;
  /** How many events (default 3–7). */
  minEvents?: number;
  maxEvents?: number;
  /** Gap between events (default 300–1,200 ms). */
  minGapMs?: number;
  maxGapMs?: number;
  /** The hold after the last event (default 1,000–3,000 ms). */
  minHoldMs?: number;
  maxHoldMs?: number;
}

/** mulberry32: a seed gives the same schedule on every run and machine; floats in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives the n-th schedule's seed from a run's seed, so one CHAOS_SEED replays all of them. */
export const scheduleSeed = (runSeed: number, index: number): number => (Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) + index * 0x27d4eb2d) >>> 0;

interface AgentModel {
  process: "up" | "paused" | "killed";
  cutService: boolean;
  cutEtcd: boolean;
}

/** The lab as the generator believes it is after the events so far. */
class LabModel {
  readonly agents = new Map<string, AgentModel>();
  readonly pausedMembers = new Set<number>();
  serviceFailed = false;
  constructor(readonly options: ScheduleOptions) {
    for (const agent of options.agents) this.agents.set(agent, { process: "up", cutService: false, cutEtcd: false });
  }

  /** Every event allowed now. */
  enabled(): ChaosEvent[] {
    const events: ChaosEvent[] = [];
    const cutFromService = [...this.agents.values()].filter((agent) => agent.cutService).length;
    for (const [agent, state] of this.agents) {
      if (!state.cutService && cutFromService < this.options.agents.length - this.options.quorum) events.push({ kind: "partition-service", agent });
      if (!state.cutEtcd) events.push({ kind: "partition-etcd", agent, members: [] });
      if (state.cutService || state.cutEtcd) events.push({ kind: "heal", agent });
      if (state.process === "up") events.push({ kind: "pause-agent", agent }, { kind: "kill-agent", agent });
      if (state.process === "paused") events.push({ kind: "resume-agent", agent });
      if (state.process === "killed") events.push({ kind: "restart-agent", agent });
    }
    events.push({ kind: this.serviceFailed ? "restore-service" : "fail-service" });
    for (let member = 0; member < this.options.etcdMembers; member++) {
      if (this.pausedMembers.has(member)) events.push({ kind: "resume-etcd", member });
      else if (this.pausedMembers.size === 0) events.push({ kind: "pause-etcd", member });
    }
    return events;
  }

  apply(event: ChaosEvent): void {
    const agent = "agent" in event ? this.agents.get(event.agent)! : undefined;
    switch (event.kind) {
      case "partition-service": agent!.cutService = true; break;
      case "partition-etcd": agent!.cutEtcd = true; break;
      case "heal": agent!.cutService = false; agent!.cutEtcd = false; break;
      case "pause-agent": agent!.process = "paused"; break;
      case "resume-agent": case "restart-agent": agent!.process = "up"; break;
      case "kill-agent": agent!.process = "killed"; break;
      case "fail-service": this.serviceFailed = true; break;
      case "restore-service": this.serviceFailed = false; break;
      case "pause-etcd": this.pausedMembers.add(event.member); break;
      case "resume-etcd": this.pausedMembers.delete(event.member); break;
    }
  }

  /** What undoes the damage still in place, service failure aside. */
  settle(): ChaosEvent[] {
    const events: ChaosEvent[] = [];
    for (const member of this.pausedMembers) events.push({ kind: "resume-etcd", member });
    for (const [name, state] of this.agents) {
      if (state.cutService || state.cutEtcd) events.push({ kind: "heal", agent: name });
      if (state.process === "paused") events.push({ kind: "resume-agent", agent: name });
      if (state.process === "killed") events.push({ kind: "restart-agent", agent: name });
    }
    return events;
  }
}

/** Weights favour the faults the issue names; the undoing events follow from the model. */
const WEIGHTS: Record<EventKind, number> = {
  "partition-service": 3, "partition-etcd": 3, heal: 2, "pause-agent": 2, "resume-agent": 2, "kill-agent": 2,
  "restart-agent": 2, "fail-service": 5, "restore-service": 1, "pause-etcd": 1, "resume-etcd": 1,
};

export function generateSchedule(seed: number, options: ScheduleOptions): Schedule {
  const random = prng(seed);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const model = new LabModel(options);
  const count = between(options.minEvents ?? 3, options.maxEvents ?? 7);
  const events: PlannedEvent[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const choices = model.enabled();
    const total = choices.reduce((sum, event) => sum + WEIGHTS[event.kind], 0);
    let roll = random() * total;
    let event = choices[choices.length - 1]!;
    for (const choice of choices) {
      roll -= WEIGHTS[choice.kind];
      if (roll < 0) {
        event = choice;
        break;
      }
    }
    if (event.kind === "partition-etcd") {
      // A minority of members leaves the agent a way to etcd; all of them cuts it off.
      const members = Array.from({ length: options.etcdMembers }, (_, member) => member).filter(() => random() < 0.7);
      event = { ...event, members: members.length === 0 ? [between(0, options.etcdMembers - 1)] : members };
    }
    model.apply(event);
    events.push({ atMs: at, event });
    at += between(options.minGapMs ?? 300, options.maxGapMs ?? 1_200);
  }
  return { seed, events, holdMs: between(options.minHoldMs ?? 1_000, options.maxHoldMs ?? 3_000), settle: model.settle() };
}

export function describeEvent(event: ChaosEvent): string {
  if (event.kind === "partition-etcd") return `${event.kind} ${event.agent} from member(s) ${event.members.join(",")}`;
  if ("agent" in event) return `${event.kind} ${event.agent}`;
  if ("member" in event) return `${event.kind} ${event.member}`;
  return event.kind;
}

/** What the test implements against its lab. `failService` kills the active instance and names it. */
export interface ChaosTarget {
  apply(event: ChaosEvent): Promise<{ failedHost?: string } | void>;
}

export interface ExecutedEvent {
  at: number;
  event: ChaosEvent;
  failedHost?: string;
}

/** Plays the events at their offsets (later if an event takes longer), holds, then the settle events. */
export async function runSchedule(schedule: Schedule, target: ChaosTarget, now: () => number = Date.now): Promise<ExecutedEvent[]> {
  const start = now();
  const executed: ExecutedEvent[] = [];
  for (const planned of schedule.events) {
    const wait = start + planned.atMs - now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    const at = now();
    const result = await target.apply(planned.event);
    executed.push({ at, event: planned.event, ...(result?.failedHost ? { failedHost: result.failedHost } : {}) });
  }
  await new Promise((done) => setTimeout(done, schedule.holdMs));
  for (const event of schedule.settle) {
    const at = now();
    await target.apply(event);
    executed.push({ at, event });
  }
  return executed;
}

// ---- the checker -------------------------------------------------------------------------------

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
function stepsByTerm(runs: JournalRun[], terms: LeaderTerm[], violations: Violation[]): TimedStep[] {
  const termOf = (agent: string, at: number) => terms.find((term) => term.agent === agent && term.from <= at && at <= (term.to ?? Infinity) + TERM_SLACK_MS);
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
  for (const { run, step } of strays) {
    const original = own.some((mine) => mine.agent !== run.agent && mine.service === run.service && mine.step === step.step && mine.attempt === step.attempt && Math.abs(mine.from - step.startedAt) <= COPY_SLACK_MS);
    if (!original) {
      violations.push({ invariant: "fencing-term", message: `${run.agent} journaled ${step.step} (attempt ${step.attempt}) of run ${run.key} at ${iso(step.startedAt)} while not leading, and no other agent's journal holds it as its own` });
    }
  }
  return own;
}

const describeStep = (step: TimedStep) => `${step.step} of run ${step.key} (${step.agent}, token ${step.token}, ${iso(step.from)}–${iso(step.to)})`;

function checkFencing(history: ChaosHistory, violations: Violation[]): void {
  const steps = (history.terms ? stepsByTerm(history.runs, history.terms, violations) : stepsByRunToken(history.runs)).sort((a, b) => a.from - b.from);
  for (let i = 0; i < steps.length; i++) {
    for (let j = i + 1; j < steps.length && steps[j]!.from <= steps[i]!.to; j++) {
      const [a, b] = [steps[i]!, steps[j]!];
      if (a.token !== b.token) violations.push({ invariant: "fencing-overlap", message: `${describeStep(a)} overlaps ${describeStep(b)}` });
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

// ---- coverage ----------------------------------------------------------------------------------

export class Coverage {
  readonly events = new Map<EventKind, number>(EVENT_KINDS.map((kind) => [kind, 0]));
  schedules = 0;
  dnsFailovers = 0;
  completedRuns = 0;
  failures = 0;
  violations = 0;

  add(executed: ExecutedEvent[], verdict: Verdict): void {
    this.schedules++;
    for (const { event } of executed) this.events.set(event.kind, (this.events.get(event.kind) ?? 0) + 1);
    this.failures += executed.filter((item) => item.event.kind === "fail-service").length;
    this.dnsFailovers += verdict.dnsFailovers;
    this.completedRuns += verdict.completedRuns;
    this.violations += verdict.violations.length;
  }

  summary(): string {
    const kinds = [...this.events].map(([kind, count]) => `${kind} ${count}`).join(", ");
    return `${this.schedules} schedules: ${kinds}; induced failures ${this.failures}, DNS failovers ${this.dnsFailovers}, completed runs ${this.completedRuns}, violations ${this.violations}`;
  }
}
