// The typed, frozen topology graph: the only view of the config the rest of the code sees.
// Built once from a validated document; durations are milliseconds, every reference resolved.
import type { ConfigDocument, CheckDocument, Criticality, HostDocument } from "../config/schema.js";
import type { RECOVERY_STRATEGIES } from "../config/schema.js";
import { needs } from "../config/rules.js";
import { probeKinds } from "../probes/registry.js";

export type { Criticality };
export type RecoveryStrategy = (typeof RECOVERY_STRATEGIES)[number];

export interface Host {
  readonly name: string;
  readonly address: string;
  readonly site: string | undefined;
  readonly public: boolean;
  readonly ssh: HostDocument["ssh"];
}

/** How a service is placed: replicas (any one serves), active-passive, or logical (no host of its own). */
export type Placement =
  | { readonly kind: "replicas"; readonly hosts: readonly string[] }
  | { readonly kind: "failover"; readonly primary: string; readonly standby: readonly string[] }
  | { readonly kind: "logical" };

/** A need of a service: any one of `anyOf` suffices (one name for depends_on, all proxies for exposed_via). */
export interface Need {
  readonly anyOf: readonly string[];
  readonly mode: "requires" | "degrades";
  readonly afterMs: number | undefined;
  readonly via: "depends_on" | "exposed_via";
}

export interface Check {
  readonly name: string;
  readonly service: string;
  /** The host whose instance it watches; undefined for a logical service. */
  readonly host: string | undefined;
  readonly kind: string;
  readonly spec: unknown;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly jitterMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

export interface Service {
  readonly name: string;
  readonly role: string | undefined;
  readonly criticality: Criticality;
  readonly placement: Placement;
  readonly needs: readonly Need[];
  readonly recovery: { readonly strategy: RecoveryStrategy; readonly rtoMs: number } | undefined;
  readonly target: { readonly rtoMs: number | undefined; readonly rpoMs: number | undefined };
  readonly checks: readonly Check[];
  readonly data: ConfigDocument["services"][string]["data"];
  readonly failoverMode: "manual" | "automatic";
  readonly public: boolean;
}

export interface Topology {
  readonly hosts: ReadonlyMap<string, Host>;
  readonly services: ReadonlyMap<string, Service>;
  /** Services in an order where every service comes after everything it needs. */
  readonly order: readonly string[];
  /** Reverse edges: the services that need a service. */
  readonly neededBy: ReadonlyMap<string, readonly string[]>;
  /** The services placed on a host (as replica, primary or standby). */
  readonly onHost: ReadonlyMap<string, readonly string[]>;
  readonly agents: ConfigDocument["agents"];
  readonly notify: ConfigDocument["notify"];
  readonly maintenance: ConfigDocument["maintenance"];
  readonly notifyPolicy: ConfigDocument["notify_policy"];
}

export function hostsOf(placement: Placement): readonly string[] {
  if (placement.kind === "replicas") return placement.hosts;
  if (placement.kind === "failover") return [placement.primary, ...placement.standby];
  return [];
}

function placementOf(service: ConfigDocument["services"][string]): Placement {
  if (service.primary !== undefined) return { kind: "failover", primary: service.primary, standby: service.standby ?? [] };
  if (service.runs_on && service.runs_on.length > 0) return { kind: "replicas", hosts: service.runs_on };
  return { kind: "logical" };
}

function checkOf(serviceName: string, placement: Placement, check: CheckDocument, index: number): Check {
  const kind = probeKinds.find((candidate) => (check as Record<string, unknown>)[candidate.kind] !== undefined);
  if (!kind) throw new Error(`bug: check ${index} of ${serviceName} has no probe kind after validation`);
  const spec = (check as Record<string, unknown>)[kind.kind];
  const host = check.on ?? hostsOf(placement)[0];
  return {
    name: check.name ?? `${serviceName}/${kind.kind}${index === 0 ? "" : `-${index + 1}`}`,
    service: serviceName,
    host,
    kind: kind.kind,
    spec,
    intervalMs: check.interval,
    timeoutMs: check.timeout,
    jitterMs: check.jitter,
    failureThreshold: check.failure_threshold,
    successThreshold: check.success_threshold,
  };
}

/** Topological order (Kahn). The config rules reject cycles, so every service appears. */
function orderOf(services: ReadonlyMap<string, Service>): string[] {
  const remaining = new Map<string, number>();
  const users = new Map<string, string[]>();
  for (const service of services.values()) {
    const deps = new Set(service.needs.flatMap((need) => need.anyOf));
    remaining.set(service.name, deps.size);
    for (const dep of deps) {
      const list = users.get(dep);
      if (list) list.push(service.name);
      else users.set(dep, [service.name]);
    }
  }
  const ready = [...remaining].filter(([, count]) => count === 0).map(([name]) => name);
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.pop()!;
    order.push(name);
    for (const user of users.get(name) ?? []) {
      const left = remaining.get(user)! - 1;
      remaining.set(user, left);
      if (left === 0) ready.push(user);
    }
  }
  if (order.length !== services.size) throw new Error("bug: dependency cycle survived validation");
  return order;
}

/** Builds the frozen topology from a validated config document. */
export function buildTopology(doc: ConfigDocument): Topology {
  const hosts = new Map<string, Host>();
  for (const [name, host] of Object.entries(doc.hosts)) {
    hosts.set(name, Object.freeze({ name, address: host.address, site: host.site, public: host.public, ssh: host.ssh }));
  }
  const services = new Map<string, Service>();
  const onHost = new Map<string, string[]>([...hosts.keys()].map((name) => [name, []]));
  for (const [name, service] of Object.entries(doc.services)) {
    const placement = placementOf(service);
    const serviceNeeds: Need[] = service.depends_on.map((dependency) =>
      typeof dependency === "string"
        ? { anyOf: [dependency], mode: "requires", afterMs: undefined, via: "depends_on" }
        : { anyOf: [dependency.service], mode: dependency.mode, afterMs: dependency.after, via: "depends_on" },
    );
    if (service.exposed_via && service.exposed_via.length > 0) {
      serviceNeeds.push({ anyOf: service.exposed_via, mode: "requires", afterMs: undefined, via: "exposed_via" });
    }
    services.set(name, Object.freeze({
      name,
      role: service.role,
      criticality: service.criticality,
      placement,
      needs: serviceNeeds,
      recovery: service.recovery ? { strategy: service.recovery.strategy, rtoMs: service.recovery.rto } : undefined,
      target: { rtoMs: service.target?.rto, rpoMs: service.target?.rpo },
      checks: service.checks.map((check, index) => checkOf(name, placement, check, index)),
      data: service.data,
      failoverMode: service.failover?.mode ?? "manual",
      public: service.public,
    }));
    for (const host of hostsOf(placement)) onHost.get(host)?.push(name);
  }
  const neededBy = new Map<string, string[]>([...services.keys()].map((name) => [name, []]));
  for (const [name, service] of Object.entries(doc.services)) {
    for (const dep of new Set(needs(service))) neededBy.get(dep)?.push(name);
  }
  return Object.freeze({ hosts, services, order: orderOf(services), neededBy, onHost, agents: doc.agents, notify: doc.notify, maintenance: doc.maintenance, notifyPolicy: doc.notify_policy });
}
