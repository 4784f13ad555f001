// What a set of failures does to every service: the propagation through placement and needs.
// Pure and incremental: only services reachable from the failed parts are visited, in dependency order,
// so one failure costs in proportion to its blast radius, not to the size of the topology.
import type { Need, Service, Topology } from "../model/topology.js";

/** The failed parts of a scenario. An instance is "service@host"; a whole service fails everywhere. */
export interface Scenario {
  readonly hosts: ReadonlySet<string>;
  readonly instances: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

export type Outcome =
  | { readonly state: "fails-over"; readonly to: string; readonly recoveryMs: number | undefined }
  | { readonly state: "interrupted"; readonly by: readonly string[]; readonly recoveryMs: number | undefined }
  | { readonly state: "degraded"; readonly afterMs: number; readonly by: readonly string[]; readonly recoveryMs: number | undefined }
  | { readonly state: "down"; readonly by: readonly string[]; readonly recoveryMs: number | undefined; readonly root: boolean };

/** Worse outcomes rank higher; "up" (no entry) is 0. */
const RANK = { "fails-over": 1, interrupted: 1, degraded: 2, down: 3 } as const;
export function rank(outcome: Outcome | undefined): number {
  return outcome === undefined ? 0 : RANK[outcome.state];
}

function maxKnown(values: ReadonlyArray<number | undefined>): number | undefined {
  let max = 0;
  for (const value of values) {
    if (value === undefined) return undefined;
    max = Math.max(max, value);
  }
  return max;
}

const FAILOVER_STRATEGIES = new Set(["automatic-failover", "manual-failover"]);

/** The scenario as the evaluation reads it: failed instances by service, so no "service@host" is built per look-up. */
interface Failed {
  readonly hosts: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly instances: ReadonlyMap<string, ReadonlySet<string>>;
}

const NO_INSTANCES: ReadonlyMap<string, ReadonlySet<string>> = new Map();

function failedOf(scenario: Scenario): Failed {
  if (scenario.instances.size === 0) return { hosts: scenario.hosts, services: scenario.services, instances: NO_INSTANCES };
  const instances = new Map<string, Set<string>>();
  for (const instance of scenario.instances) {
    const at = instance.lastIndexOf("@");
    const service = instance.slice(0, at);
    const hosts = instances.get(service) ?? new Set<string>();
    hosts.add(instance.slice(at + 1));
    instances.set(service, hosts);
  }
  return { hosts: scenario.hosts, services: scenario.services, instances };
}

function alive(service: Service, host: string, failed: Failed): boolean {
  if (failed.hosts.has(host)) return false;
  return failed.instances.size === 0 || !failed.instances.get(service.name)?.has(host);
}

/** The outcome of a service's own placement (its hosts and instances), ignoring what it needs. */
function placementOutcome(service: Service, scenario: Failed): Outcome | undefined {
  const ownRecovery = service.recovery?.rtoMs;
  if (scenario.services.size > 0 && scenario.services.has(service.name)) return { state: "down", by: [service.name], recoveryMs: ownRecovery, root: true };
  const placement = service.placement;
  if (placement.kind === "replicas") {
    for (const host of placement.hosts) if (alive(service, host, scenario)) return undefined;
    return { state: "down", by: placement.hosts, recoveryMs: ownRecovery, root: true };
  }
  if (placement.kind === "failover") {
    if (alive(service, placement.primary, scenario)) return undefined;
    for (const to of placement.standby) {
      if (!alive(service, to, scenario)) continue;
      const failoverRecovery = service.recovery && FAILOVER_STRATEGIES.has(service.recovery.strategy) ? ownRecovery : undefined;
      return { state: "fails-over", to, recoveryMs: failoverRecovery };
    }
    return { state: "down", by: [placement.primary, ...placement.standby], recoveryMs: ownRecovery, root: true };
  }
  return undefined;
}

/** What a need in this state does to the service that has it. */
function needOutcome(need: Need, best: Outcome, name: string): Outcome {
  const recoveryMs = best.recoveryMs;
  if (best.state === "down") {
    return need.mode === "requires"
      ? { state: "down", by: [name], recoveryMs, root: false }
      : { state: "degraded", afterMs: need.afterMs ?? 0, by: [name], recoveryMs };
  }
  if (best.state === "degraded") {
    const afterMs = need.mode === "requires" ? best.afterMs : best.afterMs + (need.afterMs ?? 0);
    return { state: "degraded", afterMs, by: [name], recoveryMs };
  }
  return { state: "interrupted", by: [name], recoveryMs };
}

/** The worse of two outcomes; of two equally bad, one that is back only when both causes are back. */
function combine(worst: Outcome | undefined, candidate: Outcome): Outcome {
  if (worst === undefined || rank(candidate) > rank(worst)) return candidate;
  if (candidate.state !== worst.state || candidate.state === "fails-over" || worst.state === "fails-over") return worst;
  const by = [...new Set([...worst.by, ...candidate.by])];
  const recoveryMs = maxKnown([worst.recoveryMs, candidate.recoveryMs]);
  if (candidate.state === "degraded" && worst.state === "degraded") return { state: "degraded", afterMs: Math.min(worst.afterMs, candidate.afterMs), by, recoveryMs };
  if (candidate.state === "down" && worst.state === "down") return { state: "down", by, recoveryMs, root: worst.root || candidate.root };
  return { state: "interrupted", by, recoveryMs };
}

/** The outcome of one service given its placement and the outcomes of what it needs. */
function serviceOutcome(service: Service, scenario: Failed, outcomes: ReadonlyMap<string, Outcome>): Outcome | undefined {
  let worst = placementOutcome(service, scenario);
  for (const need of service.needs) {
    // Any one of the alternatives suffices: the need is as bad as its best alternative.
    const anyOf = need.anyOf;
    let bestName = anyOf[0]!;
    let best = outcomes.get(bestName);
    for (let i = 1; i < anyOf.length && best !== undefined; i++) {
      const outcome = outcomes.get(anyOf[i]!);
      if (rank(outcome) < rank(best)) [best, bestName] = [outcome, anyOf[i]!];
    }
    if (best !== undefined) worst = combine(worst, needOutcome(need, best, bestName));
  }
  return worst;
}

/**
 * A min-heap of topological positions, so services settle only after everything they need. One per
 * topology, reused by every evaluation: `stamp` marks what the current evaluation queued.
 */
class PositionQueue {
  private readonly heap: number[] = [];
  private readonly stamp: Uint32Array;
  private generation = 0;
  constructor(size: number) {
    this.stamp = new Uint32Array(size);
  }
  reset(): void {
    this.heap.length = 0;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }
  push(position: number): void {
    if (this.stamp[position] === this.generation) return;
    this.stamp[position] = this.generation;
    const heap = this.heap;
    let i = heap.push(position) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent]!;
      if (above <= position) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = position;
  }
  pop(): number | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= last) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** The topology by position in `order`: the evaluation loop works on integers, not on name lookups. */
interface Indexed {
  readonly position: ReadonlyMap<string, number>;
  readonly service: readonly Service[];
  readonly users: ReadonlyArray<readonly number[]>;
  readonly queue: PositionQueue;
}
const indexedCache = new WeakMap<Topology, Indexed>();
function indexed(topology: Topology): Indexed {
  let cached = indexedCache.get(topology);
  if (!cached) {
    const position = new Map(topology.order.map((name, index) => [name, index]));
    cached = {
      position,
      service: topology.order.map((name) => topology.services.get(name)!),
      users: topology.order.map((name) => (topology.neededBy.get(name) ?? []).map((user) => position.get(user)!)),
      queue: new PositionQueue(topology.order.length),
    };
    indexedCache.set(topology, cached);
  }
  return cached;
}

/** Every service that is not simply up under the scenario, with how and why. */
export function evaluate(topology: Topology, scenario: Scenario): Map<string, Outcome> {
  const { position, service, users, queue } = indexed(topology);
  queue.reset();
  const seed = (name: string) => {
    const at = position.get(name);
    if (at !== undefined) queue.push(at);
  };
  for (const host of scenario.hosts) for (const name of topology.onHost.get(host) ?? []) seed(name);
  for (const instance of scenario.instances) seed(instance.slice(0, instance.lastIndexOf("@")));
  for (const name of scenario.services) seed(name);

  const failed = failedOf(scenario);
  const outcomes = new Map<string, Outcome>();
  for (let at = queue.pop(); at !== undefined; at = queue.pop()) {
    const current = service[at]!;
    const outcome = serviceOutcome(current, failed, outcomes);
    if (outcome === undefined) continue;
    outcomes.set(current.name, outcome);
    for (const user of users[at]!) queue.push(user);
  }
  return outcomes;
}

export const NO_FAILURE: Scenario = { hosts: new Set(), instances: new Set(), services: new Set() };
