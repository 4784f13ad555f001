// What a set of failures does to every service: the propagation through placement and needs.
// Pure and incremental: only services reachable from the failed parts are visited, in dependency order,
// so one failure costs in proportion to its blast radius, not to the size of the topology.
import type { Service, Topology } from "../model/topology.js";

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
export function rank(outcome: Outcome | undefined): number {
  if (outcome === undefined) return 0;
  return { "fails-over": 1, interrupted: 1, degraded: 2, down: 3 }[outcome.state];
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

/** The outcome of a service's own placement (its hosts and instances), ignoring what it needs. */
function placementOutcome(service: Service, scenario: Scenario): Outcome | undefined {
  const ownRecovery = service.recovery?.rtoMs;
  if (scenario.services.has(service.name)) return { state: "down", by: [service.name], recoveryMs: ownRecovery, root: true };
  const alive = (host: string) => !scenario.hosts.has(host) && !scenario.instances.has(`${service.name}@${host}`);
  const placement = service.placement;
  if (placement.kind === "replicas") {
    if (placement.hosts.some(alive)) return undefined;
    return { state: "down", by: [...placement.hosts], recoveryMs: ownRecovery, root: true };
  }
  if (placement.kind === "failover") {
    if (alive(placement.primary)) return undefined;
    const to = placement.standby.find(alive);
    if (to === undefined) return { state: "down", by: [placement.primary, ...placement.standby], recoveryMs: ownRecovery, root: true };
    const failoverRecovery = service.recovery && FAILOVER_STRATEGIES.has(service.recovery.strategy) ? ownRecovery : undefined;
    return { state: "fails-over", to, recoveryMs: failoverRecovery };
  }
  return undefined;
}

/** The outcome of one service given its placement and the outcomes of what it needs. */
function serviceOutcome(service: Service, scenario: Scenario, outcomes: ReadonlyMap<string, Outcome>): Outcome | undefined {
  let worst = placementOutcome(service, scenario);
  const consider = (candidate: Outcome) => {
    if (rank(candidate) > rank(worst)) worst = candidate;
    else if (worst && candidate.state === worst.state && candidate.state !== "fails-over" && worst.state !== "fails-over") {
      // Same severity from several needs: it is back only when all are back.
      const by = [...new Set([...(worst as { by: readonly string[] }).by, ...candidate.by])];
      const recoveryMs = maxKnown([worst.recoveryMs, candidate.recoveryMs]);
      if (candidate.state === "degraded" && worst.state === "degraded") worst = { state: "degraded", afterMs: Math.min(worst.afterMs, candidate.afterMs), by, recoveryMs };
      else if (candidate.state === "down" && worst.state === "down") worst = { state: "down", by, recoveryMs, root: worst.root || candidate.root };
      else worst = { ...candidate, by, recoveryMs } as Outcome;
    }
  };
  for (const need of service.needs) {
    // Any one of the alternatives suffices: the need is as bad as its best alternative.
    let best: Outcome | undefined;
    let bestName = need.anyOf[0]!;
    for (const [index, name] of need.anyOf.entries()) {
      const outcome = outcomes.get(name);
      if (index === 0 || rank(outcome) < rank(best)) [best, bestName] = [outcome, name];
    }
    if (best === undefined) continue;
    const recoveryMs = best.recoveryMs;
    if (best.state === "down") {
      consider(need.mode === "requires"
        ? { state: "down", by: [bestName], recoveryMs, root: false }
        : { state: "degraded", afterMs: need.afterMs ?? 0, by: [bestName], recoveryMs });
    } else if (best.state === "degraded") {
      const afterMs = need.mode === "requires" ? best.afterMs : best.afterMs + (need.afterMs ?? 0);
      consider({ state: "degraded", afterMs, by: [bestName], recoveryMs });
    } else {
      consider({ state: "interrupted", by: [bestName], recoveryMs });
    }
  }
  return worst;
}

/** A binary heap of topological positions: services are settled only after everything they need. */
class PositionQueue {
  private readonly heap: number[] = [];
  private readonly queued = new Set<number>();
  push(position: number): void {
    if (this.queued.has(position)) return;
    this.queued.add(position);
    const heap = this.heap;
    heap.push(position);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  pop(): number | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left]! < heap[smallest]!) smallest = left;
        if (right < heap.length && heap[right]! < heap[smallest]!) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}

const positionsCache = new WeakMap<Topology, Map<string, number>>();
function positions(topology: Topology): Map<string, number> {
  let cached = positionsCache.get(topology);
  if (!cached) {
    cached = new Map(topology.order.map((name, index) => [name, index]));
    positionsCache.set(topology, cached);
  }
  return cached;
}

/** Every service that is not simply up under the scenario, with how and why. */
export function evaluate(topology: Topology, scenario: Scenario): Map<string, Outcome> {
  const position = positions(topology);
  const queue = new PositionQueue();
  const seed = (name: string) => {
    const at = position.get(name);
    if (at !== undefined) queue.push(at);
  };
  for (const host of scenario.hosts) for (const name of topology.onHost.get(host) ?? []) seed(name);
  for (const instance of scenario.instances) seed(instance.slice(0, instance.lastIndexOf("@")));
  for (const name of scenario.services) seed(name);

  const outcomes = new Map<string, Outcome>();
  for (let at = queue.pop(); at !== undefined; at = queue.pop()) {
    const name = topology.order[at]!;
    const outcome = serviceOutcome(topology.services.get(name)!, scenario, outcomes);
    if (outcome === undefined) continue;
    outcomes.set(name, outcome);
    for (const user of topology.neededBy.get(name) ?? []) seed(user);
  }
  return outcomes;
}

export const NO_FAILURE: Scenario = { hosts: new Set(), instances: new Set(), services: new Set() };
