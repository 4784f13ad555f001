// The guards a failover passes before it starts (pure): anti-flap (a minimum interval since the last
// run and a maximum per hour), no move to a standby that is itself down by its checks (a warm standby,
// stopped by design, is not: the caller passes its state as unknown), none onto an instance that may
// still serve or was never fenced (pending-fence, down), no failback onto an instance that has not
// received the serving one's data (catching-up), none inside a maintenance window of the service or its hosts. `--force` lifts all of them: a person has decided.
// The self-fence rule is not a refusal but a wait: see `selfFenceDue` and the plan's promote step.
import type { HealthState } from "../engine/verdict.js";
import type { FailoverConfig } from "./config.js";
import type { InstanceState } from "./instance-states.js";

export type GuardName = "min-interval" | "max-per-hour" | "standby-down" | "standby-not-ready" | "maintenance" | "not-leader";

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
  /** The target's role (instance-states.ts) and why it is in it; absent: not known. */
  targetRole?: InstanceState | undefined;
  targetRoleReason?: string | undefined;
  kind?: "failover" | "failback";
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
  const why = input.targetRoleReason === undefined ? "" : ` (${input.targetRoleReason})`;
  if (input.targetRole === "pending-fence" || input.targetRole === "down") {
    refusals.push({ guard: "standby-not-ready", message: `${input.target} is ${input.targetRole}${why}: it may still run old data; fence it and let it catch up (understudy status shows it), or --force` });
  } else if (input.targetRole === "catching-up" && input.kind === "failback") {
    refusals.push({ guard: "standby-not-ready", message: `${input.target} has not yet received the current data${why}: wait until understudy status shows it warm (replication ships to it), or --force to fail back anyway` });
  }
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
