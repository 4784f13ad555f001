// The guards a failover passes before it starts (pure): anti-flap (a minimum interval since the last
// run and a maximum per hour), no move to a standby that is itself down by its checks, none inside a
// maintenance window of the service or its hosts. `--force` lifts all of them: a person has decided.
// The self-fence rule is not a refusal but a wait: see `selfFenceDue` and the plan's promote step.
import type { HealthState } from "../engine/verdict.js";
import type { FailoverConfig } from "./config.js";

export type GuardName = "min-interval" | "max-per-hour" | "standby-down" | "maintenance" | "not-leader";

export interface GuardRefusal {
  guard: GuardName;
  message: string;
}

export interface GuardInput {
  now: number;
  config: FailoverConfig;
  /** Start times of earlier runs of this service (any outcome): a failing plan must not loop either. */
  previousRuns: readonly number[];
  target: string;
  targetState: HealthState;
  /** The maintenance window covering the service or a host involved, if any. */
  maintenance: string | undefined;
  leader: boolean;
  force: boolean;
}

const HOUR = 3_600_000;

/** Every guard that refuses, or [] when the failover may start. */
export function checkGuards(input: GuardInput): GuardRefusal[] {
  const refusals: GuardRefusal[] = [];
  if (!input.leader) refusals.push({ guard: "not-leader", message: "this agent is not the leader; the leader acts" });
  if (input.force) return refusals;
  const last = Math.max(-Infinity, ...input.previousRuns);
  if (input.now - last < input.config.min_interval) {
    const wait = Math.ceil((last + input.config.min_interval - input.now) / 1000);
    refusals.push({ guard: "min-interval", message: `the previous failover started ${Math.round((input.now - last) / 1000)} s ago; min_interval allows the next in ${wait} s` });
  }
  const inHour = input.previousRuns.filter((at) => input.now - at < HOUR).length;
  if (inHour >= input.config.max_per_hour) refusals.push({ guard: "max-per-hour", message: `${inHour} failovers in the last hour; max_per_hour is ${input.config.max_per_hour}` });
  if (input.targetState === "down") refusals.push({ guard: "standby-down", message: `${input.target} is itself down by its checks` });
  if (input.maintenance !== undefined) refusals.push({ guard: "maintenance", message: `maintenance window "${input.maintenance}" is active` });
  return refusals;
}

/**
 * The old primary's side of the self-fence rule: alone (it cannot see the agent or the standby) since
 * `aloneSince`, it demotes itself once `self_fence_after` has passed, which the promote waits for.
 */
export function selfFenceDue(aloneSince: number | undefined, now: number, config: Pick<FailoverConfig, "self_fence_after">): boolean {
  return aloneSince !== undefined && config.self_fence_after > 0 && now - aloneSince >= config.self_fence_after;
}
