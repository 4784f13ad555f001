// Randomized fault schedules for the multi-agent tests and the coverage they add up to. The generator
// is pure; `runSchedule` drives a `ChaosTarget` that the test implements against its lab (network
// namespaces, etcd, services, agents).
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
// The invariant checker that judges a schedule is in chaos-check.ts.
import type { Verdict } from "./chaos-check.js";

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
