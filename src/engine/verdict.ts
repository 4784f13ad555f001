// Verdicts from one vantage point: turns the stream of check results into the health of each instance
// (a service on a host). A result is an *observation*; the state an instance is judged to be in is a
// *verdict*; they are separate types so that the quorum work can combine several agents' observations
// into verdicts behind the same `VerdictSource` interface.
//
// Each check runs this machine (thresholds from the check's config):
//
//   unknown ──ok──► up ──fail──► suspect ──fail, failure_threshold in a row──► down
//   unknown ──fail──► suspect              suspect ──ok──► up   (clearSuspicion: a blip never alerts)
//   down ──ok──► recovering ──ok, success_threshold in a row──► up
//   (a conclusive failure, one the target reported itself, counts as failure_threshold failures)
//                recovering ──fail──► down (relapse)
//
// Grace: for `agents.grace` after the agent starts, failures are counted but cannot make a check
// `down` (a restart must not page for what it has not yet seen recover); `endGrace` then confirms
// the checks that already reached their threshold.
//
// An instance is as bad as its worst check: down when any of its checks is down, suspect when any is
// suspect, and so on (rank below); unknown only while none of its checks has reported.
import type { Check } from "../model/topology.js";
import { Emitter } from "./emitter.js";

export const HealthState = {
  unknown: "unknown",
  up: "up",
  suspect: "suspect",
  down: "down",
  recovering: "recovering",
} as const;
export type HealthState = (typeof HealthState)[keyof typeof HealthState];

/** Worse states rank higher; an instance takes the highest rank among its checks. */
const RANK: Record<HealthState, number> = { unknown: 0, up: 1, recovering: 2, suspect: 3, down: 4 };

/** The host key of a logical service's instance (its checks watch no host of their own). */
export const WHOLE_SERVICE = "*";

/** One check result as seen from one vantage point. */
export interface Observation {
  readonly check: Check;
  readonly vantage: string;
  readonly ok: boolean;
  readonly reason: string | undefined;
  readonly message: string;
  readonly at: number;
  /** A failure the target reported itself (a push check's /fail): it counts as failure_threshold failures. */
  readonly conclusive?: boolean;
}

export interface InstanceChange {
  readonly service: string;
  readonly host: string;
  readonly from: HealthState;
  readonly to: HealthState;
  readonly at: number;
  readonly reason: string;
}

/** A down check of an instance and how it last failed: what root-cause grouping reads a host's death from. */
export interface DownEvidence {
  /** The check's kind ("http", "ping", "ssh"…). */
  readonly kind: string;
  /** Its last failure's probe reason ("refused", "timeout", "unreachable"…). */
  readonly reason: string | undefined;
}

/** Where instance verdicts come from: one agent today, a quorum of agents later. */
export interface VerdictSource {
  instanceState(service: string, host: string): HealthState;
  /** The instance's down checks and their last failure; undefined (or absent) when the source cannot say. */
  downEvidence?(service: string, host: string): readonly DownEvidence[] | undefined;
  onChange(listener: (change: InstanceChange) => void): () => void;
}

interface CheckHealth {
  state: HealthState;
  failures: number;
  /** The probe reason of the last failure. */
  lastReason: string | undefined;
  successes: number;
  readonly check: Check;
}

function expectState(health: CheckHealth, allowed: readonly HealthState[], transition: string): void {
  if (!allowed.includes(health.state)) throw new Error(`bug: ${transition} from ${health.state} (check ${health.check.name})`);
}

// The transitions. Each asserts where it may start, so a wrong path is a loud bug, not a silent state.
function becomeUp(h: CheckHealth): void { expectState(h, ["unknown"], "becomeUp"); h.state = HealthState.up; }
function suspect(h: CheckHealth): void { expectState(h, ["unknown", "up"], "suspect"); h.state = HealthState.suspect; }
function clearSuspicion(h: CheckHealth): void { expectState(h, ["suspect"], "clearSuspicion"); h.state = HealthState.up; }
function confirmDown(h: CheckHealth): void { expectState(h, ["suspect"], "confirmDown"); h.state = HealthState.down; }
function startRecovery(h: CheckHealth): void { expectState(h, ["down"], "startRecovery"); h.state = HealthState.recovering; }
function confirmRecovery(h: CheckHealth): void { expectState(h, ["recovering"], "confirmRecovery"); h.state = HealthState.up; }
function relapse(h: CheckHealth): void { expectState(h, ["recovering"], "relapse"); h.state = HealthState.down; }

function onSuccess(h: CheckHealth): void {
  h.failures = 0;
  h.successes++;
  if (h.state === HealthState.unknown) becomeUp(h);
  else if (h.state === HealthState.suspect) clearSuspicion(h);
  else if (h.state === HealthState.down) startRecovery(h);
  if (h.state === HealthState.recovering && h.successes >= h.check.successThreshold) confirmRecovery(h);
}

function onFailure(h: CheckHealth, inGrace: boolean, conclusive: boolean): void {
  h.successes = 0;
  h.failures = conclusive ? Math.max(h.failures + 1, h.check.failureThreshold) : h.failures + 1;
  if (h.state === HealthState.unknown || h.state === HealthState.up) suspect(h);
  else if (h.state === HealthState.recovering) relapse(h);
  if (h.state === HealthState.suspect && !inGrace && h.failures >= h.check.failureThreshold) confirmDown(h);
}

export function instanceKey(service: string, host: string): string {
  return `${service}@${host}`;
}

/** The verdicts of a single agent from its own observations. */
export class LocalVerdicts implements VerdictSource {
  private readonly checks = new Map<Check, CheckHealth>();
  private readonly byInstance = new Map<string, CheckHealth[]>();
  private readonly changes: Emitter<{ change: InstanceChange }>;
  private readonly graceEndsAt: number;

  /** `onListenerError` hears a failing onChange listener (the others still run). */
  constructor(options: { startedAt: number; graceMs: number; onListenerError?: (error: unknown) => void }) {
    this.graceEndsAt = options.startedAt + options.graceMs;
    const report = options.onListenerError ?? (() => {});
    this.changes = new Emitter((failure) => report(failure.error));
  }

  instanceState(service: string, host: string): HealthState {
    const list = this.byInstance.get(instanceKey(service, host)) ?? [];
    let worst: HealthState = HealthState.unknown;
    for (const health of list) if (RANK[health.state] > RANK[worst]) worst = health.state;
    return worst;
  }

  downEvidence(service: string, host: string): readonly DownEvidence[] {
    return (this.byInstance.get(instanceKey(service, host)) ?? []).filter((health) => health.state === HealthState.down)
      .map((health) => ({ kind: health.check.kind, reason: health.lastReason }));
  }

  onChange(listener: (change: InstanceChange) => void): () => void {
    return this.changes.on("change", listener);
  }

  /** Feeds one result; returns the instance change it caused, if any (also sent to onChange listeners). */
  observe(observation: Observation): InstanceChange | undefined {
    const { check } = observation;
    const host = check.host ?? WHOLE_SERVICE;
    const health = this.healthOf(check, host);
    const before = this.instanceState(check.service, host);
    if (observation.ok) onSuccess(health);
    else {
      health.lastReason = observation.reason;
      onFailure(health, observation.at < this.graceEndsAt, observation.conclusive === true);
    }
    const why = observation.ok ? "passed" : `failed (${observation.reason ?? "error"}: ${observation.message})`;
    return this.publish(check.service, host, before, observation.at, `${check.name} ${why}`);
  }

  /** At the end of grace, checks that already failed often enough are confirmed down. */
  endGrace(at: number): InstanceChange[] {
    const found: InstanceChange[] = [];
    for (const [key, list] of this.byInstance) {
      const pending = list.filter((h) => h.state === HealthState.suspect && h.failures >= h.check.failureThreshold);
      if (pending.length === 0) continue;
      const { service, host } = splitKey(key);
      const before = this.instanceState(service, host);
      for (const health of pending) confirmDown(health);
      const change = this.publish(service, host, before, at, `grace ended: ${pending.map((h) => `${h.check.name} failed ${h.failures} times`).join(", ")}`);
      if (change) found.push(change);
    }
    return found;
  }

  private publish(service: string, host: string, from: HealthState, at: number, reason: string): InstanceChange | undefined {
    const to = this.instanceState(service, host);
    if (to === from) return undefined;
    const change: InstanceChange = { service, host, from, to, at, reason };
    this.changes.emit("change", change);
    return change;
  }

  private healthOf(check: Check, host: string): CheckHealth {
    let health = this.checks.get(check);
    if (!health) {
      health = { state: HealthState.unknown, failures: 0, lastReason: undefined, successes: 0, check };
      this.checks.set(check, health);
      const key = instanceKey(check.service, host);
      this.byInstance.set(key, [...(this.byInstance.get(key) ?? []), health]);
    }
    return health;
  }
}

function splitKey(key: string): { service: string; host: string } {
  const at = key.lastIndexOf("@");
  return { service: key.slice(0, at), host: key.slice(at + 1) };
}
