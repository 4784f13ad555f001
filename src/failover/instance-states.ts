// The role of each instance of a primary/standby service (DESIGN.md "A standby's whole life"),
// persisted in the store's state table so a restarted agent knows which instance may receive data:
//
//   serving        the active instance (traffic goes there); never written over by replication
//   warm           stopped by design, receiving replicas, ready to promote
//   catching-up    back after a failure and fenced: receiving the active instance's data
//   pending-fence  should not serve, but the fence could not reach it yet: retried until done, alerted
//   down           not usable (no fence possible, or given up on by a person)
//
// Transitions (failover/failback runs and the pending-fence retrier write them):
//   run done:      target → serving; source → catching-up (fenced, or no fence configured) | pending-fence
//                  (fence not reached)
//   down is only ever set by a person (or a later version): nothing moves an instance out of it but a run.
//   fence retried: pending-fence → catching-up
//   replica shipped after the fence: catching-up → warm
// An instance with no stored state is `serving` when it is the active host and `warm` otherwise.
// The active host always reads as `serving`, whatever is stored: the one fact that keeps replication
// from writing over the instance traffic goes to.
import type { Topology } from "../model/topology.js";
import type { Store } from "../store/db.js";
import { getState, listState, setState } from "../store/state.js";
import { readActiveHost } from "./active-host.js";

export const InstanceState = {
  serving: "serving",
  warm: "warm",
  catchingUp: "catching-up",
  pendingFence: "pending-fence",
  down: "down",
} as const;
export type InstanceState = (typeof InstanceState)[keyof typeof InstanceState];

export interface InstanceStateEntry {
  state: InstanceState;
  /** When it entered the state (ms). */
  since: number;
  /** Why, in words ("fence of vps timed out", "failed over to spare"). */
  reason: string;
}

const PREFIX = "instance-state/";
const key = (service: string, host: string) => `${PREFIX}${service}/${host}`;

export function readInstanceState(store: Store, service: string, host: string): InstanceStateEntry | undefined {
  return getState<InstanceStateEntry>(store, key(service, host))?.value;
}

export function writeInstanceState(store: Store, service: string, host: string, state: InstanceState, at: number, reason: string): void {
  const current = readInstanceState(store, service, host);
  if (current?.state === state && current.reason === reason) return;
  setState(store, key(service, host), { state, since: current?.state === state ? current.since : at, reason } satisfies InstanceStateEntry, at);
}

/** Every stored entry of a state (e.g. all pending fences), as service/host pairs. */
export function instancesIn(store: Store, state: InstanceState): Array<{ service: string; host: string; entry: InstanceStateEntry }> {
  const found: Array<{ service: string; host: string; entry: InstanceStateEntry }> = [];
  for (const [name, stored] of listState(store, PREFIX)) {
    const entry = stored.value as InstanceStateEntry;
    if (entry.state !== state) continue;
    const rest = name.slice(PREFIX.length);
    const slash = rest.lastIndexOf("/");
    found.push({ service: rest.slice(0, slash), host: rest.slice(slash + 1), entry });
  }
  return found;
}

function activeOf(store: Store, topology: Topology, service: string): string | undefined {
  const placement = topology.services.get(service)?.placement;
  if (placement?.kind !== "failover") return undefined;
  const stored = readActiveHost(store, service);
  return stored !== undefined && [placement.primary, ...placement.standby].includes(stored) ? stored : placement.primary;
}

/** The instance's state now: the active host serves; others read their stored state, `warm` by default. */
export function instanceState(store: Store, topology: Topology, service: string, host: string, now = Date.now()): InstanceStateEntry | undefined {
  const active = activeOf(store, topology, service);
  if (active === undefined) return undefined;
  const stored = readInstanceState(store, service, host);
  if (host === active) return stored?.state === InstanceState.serving ? stored : { state: InstanceState.serving, since: stored?.since ?? now, reason: "the active host" };
  if (stored === undefined || stored.state === InstanceState.serving) return { state: InstanceState.warm, since: stored?.since ?? now, reason: "a standby" };
  return stored;
}

/** Every instance of a failover service with its state (undefined for other services). */
export function instanceStates(store: Store, topology: Topology, service: string, now = Date.now()): Array<{ host: string } & InstanceStateEntry> | undefined {
  const placement = topology.services.get(service)?.placement;
  if (placement?.kind !== "failover") return undefined;
  return [placement.primary, ...placement.standby].map((host) => ({ host, ...instanceState(store, topology, service, host, now)! }));
}

/**
 * Whether replication may write `service`'s data onto `host` now: only onto a warm or catching-up
 * instance, never onto the serving one (nor one that may still be serving: pending-fence, down).
 * Services that are not primary/standby are not this module's business: false.
 */
export function mayReceive(store: Store, topology: Topology, service: string, host: string): boolean {
  const state = instanceState(store, topology, service, host)?.state;
  return state === InstanceState.warm || state === InstanceState.catchingUp;
}
