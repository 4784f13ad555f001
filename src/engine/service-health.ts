// Service health from instance verdicts and the topology's placement: what "is forgejo up?" means.
//
//   replicas         up when every instance with a verdict serves; degraded when some are down but
//                    one still serves; down when none serves and at least one is down.
//   primary/standby  follows the active instance (the primary unless told otherwise: `activeHost` is an
//                    input because the failover work will persist it); degraded when the active one
//                    serves but a standby is down (the understudy is sick).
//   logical          (no host) from what it needs, and from its own checks if it has any.
// A placed service with no checks at all is judged by its needs too, so it is not forever "unknown".
// Instances that are suspect or recovering still serve: only a confirmed `down` counts against them.
// A `degrades` need that is down degrades at once; its `after` delay is not modelled yet.
import type { Service, Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { Emitter } from "./emitter.js";
import type { HealthState, InstanceChange, VerdictSource } from "./verdict.js";
import { WHOLE_SERVICE } from "./verdict.js";

export const ServiceHealth = { unknown: "unknown", up: "up", degraded: "degraded", down: "down" } as const;
export type ServiceHealth = (typeof ServiceHealth)[keyof typeof ServiceHealth];

const RANK: Record<ServiceHealth, number> = { unknown: 0, up: 1, degraded: 2, down: 3 };

export interface ServiceChange {
  readonly service: string;
  readonly from: ServiceHealth;
  readonly to: ServiceHealth;
  readonly at: number;
  readonly reason: string;
}

const serves = (state: HealthState) => state === "up" || state === "suspect" || state === "recovering";

function fromInstances(states: readonly HealthState[]): ServiceHealth {
  const down = states.some((state) => state === "down");
  const serving = states.some(serves);
  if (down) return serving ? ServiceHealth.degraded : ServiceHealth.down;
  return serving ? ServiceHealth.up : ServiceHealth.unknown;
}

function worst(a: ServiceHealth, b: ServiceHealth): ServiceHealth {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Every service's health, computed in dependency order so needs are known before their users. */
export function computeServiceHealth(
  topology: Topology,
  source: VerdictSource,
  activeHost: (service: Service) => string | undefined = () => undefined,
  /** Recompute only these services, keeping the others from `from` (an instance change touches few). */
  partial?: { from: ReadonlyMap<string, ServiceHealth>; only: ReadonlySet<string> },
): Map<string, ServiceHealth> {
  const health = new Map<string, ServiceHealth>(partial?.from ?? []);
  const fromNeeds = (service: Service): ServiceHealth => {
    let result: ServiceHealth = service.needs.length > 0 ? ServiceHealth.up : ServiceHealth.unknown;
    for (const need of service.needs) {
      // Any one alternative suffices: a need is as good as its best alternative.
      const best = need.anyOf.map((name) => health.get(name) ?? ServiceHealth.unknown)
        .reduce((a, b) => (a === ServiceHealth.unknown || (b !== ServiceHealth.unknown && RANK[b] < RANK[a]) ? b : a));
      const effect = best === ServiceHealth.down && need.mode === "degrades" ? ServiceHealth.degraded : best;
      result = effect === ServiceHealth.unknown ? result : worst(result, effect);
    }
    return result;
  };
  for (const name of topology.order) {
    if (partial && !partial.only.has(name)) continue;
    const service = topology.services.get(name)!;
    const placement = service.placement;
    let own: ServiceHealth;
    if (placement.kind === "replicas") {
      own = fromInstances(placement.hosts.map((host) => source.instanceState(name, host)));
    } else if (placement.kind === "failover") {
      const active = activeHost(service) ?? placement.primary;
      const activeState = source.instanceState(name, active);
      const others = hostsOf(placement).filter((host) => host !== active).map((host) => source.instanceState(name, host));
      own = activeState === "down" ? ServiceHealth.down
        : !serves(activeState) ? ServiceHealth.unknown
        : others.includes("down") ? ServiceHealth.degraded : ServiceHealth.up;
    } else {
      own = fromInstances([source.instanceState(name, WHOLE_SERVICE)]);
    }
    const needs = fromNeeds(service);
    const judged = placement.kind === "logical" || service.checks.length === 0
      ? (own === ServiceHealth.unknown ? needs : needs === ServiceHealth.unknown ? own : worst(own, needs))
      : own;
    health.set(name, judged);
  }
  return health;
}

/** Keeps every service's health current as instance verdicts change, and announces each change. */
export class ServiceHealthTracker {
  private current: Map<string, ServiceHealth>;
  private readonly changes: Emitter<{ change: ServiceChange }>;

  constructor(
    private readonly topology: Topology,
    private readonly source: VerdictSource,
    private readonly activeHost: (service: Service) => string | undefined = () => undefined,
    onListenerError: (error: unknown) => void = () => {},
  ) {
    this.changes = new Emitter((failure) => onListenerError(failure.error));
    this.current = computeServiceHealth(topology, source, activeHost);
  }

  health(service: string): ServiceHealth {
    return this.current.get(service) ?? ServiceHealth.unknown;
  }

  onChange(listener: (change: ServiceChange) => void): () => void {
    return this.changes.on("change", listener);
  }

  /** Recomputes after an instance change (or a change of active host); returns what changed. */
  update(cause: InstanceChange | { at: number; reason: string }): ServiceChange[] {
    // An instance change can only move its service and what needs it; anything else recomputes all.
    const only = "service" in cause ? this.affectedBy(cause.service) : undefined;
    const next = computeServiceHealth(this.topology, this.source, this.activeHost, only && { from: this.current, only });
    const found: ServiceChange[] = [];
    const reason = "service" in cause ? `${cause.service}@${cause.host} ${cause.to}` : cause.reason;
    for (const service of only ?? next.keys()) {
      const to = next.get(service) ?? ServiceHealth.unknown;
      const from = this.current.get(service) ?? ServiceHealth.unknown;
      if (from !== to) found.push({ service, from, to, at: cause.at, reason });
    }
    this.current = next;
    for (const change of found) this.changes.emit("change", change);
    return found;
  }

  /** The service and everything that needs it, transitively. */
  private affectedBy(service: string): Set<string> {
    const affected = new Set<string>([service]);
    const pending = [service];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      for (const user of this.topology.neededBy.get(name) ?? []) {
        if (!affected.has(user)) {
          affected.add(user);
          pending.push(user);
        }
      }
    }
    return affected;
  }
}
