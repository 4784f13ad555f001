// How long a new incident waits for related failures before it is announced, per failure. Pure.
//
// The down verdicts of one failure arrive spread out: each instance is confirmed down between its fastest
// check's (failure_threshold − 1)th and failure_threshold-th run after the failure, plus jitter. Waiting
// for the related ones lets a dead router's thirty verdicts meet in one incident named after it. Only
// the checks that can share the failure's root cause count, not the whole config's (an hourly TLS check
// on another host once held every alert for two hours):
//   - the instances on the failing part's hosts (the host itself may be the root);
//   - the services it needs, transitively, and the instances on their hosts (an upstream root);
//   - what its failure and its hosts' failures take down or degrade (blast radius: the children).
// An incident that grows before it is announced waits for its new members' related checks too.
//
// The wait is capped at SETTLE_CAP_MS, 2 minutes: with the defaults (every 30 s, 2 failures) related
// verdicts arrive within 30 s, and a 1-minute check beside 30-second ones within 90 s, so 2 minutes keeps
// what the checks of a normal config need with room for jitter. A slower related verdict is not lost: it
// joins the open incident as an update (and re-roots it), so waiting longer would only delay the page.
import type { Check, Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { blastRadius, type PartRef } from "./root-cause.js";
import { WHOLE_SERVICE } from "./verdict.js";

export const SETTLE_CAP_MS = 2 * 60_000;

/** Earliest and latest time after a failure that an instance with these checks is confirmed down. */
function detectionBounds(checks: readonly Check[]): { earliest: number; latest: number } {
  return {
    earliest: Math.min(...checks.map((c) => (c.failureThreshold - 1) * c.intervalMs)),
    latest: Math.min(...checks.map((c) => c.failureThreshold * c.intervalMs + c.jitterMs)),
  };
}

/** The instances' checks by instance ("service@host"), per topology. */
const instanceCache = new WeakMap<Topology, Map<string, readonly Check[]>>();

function checksByInstance(topology: Topology): Map<string, readonly Check[]> {
  let byInstance = instanceCache.get(topology);
  if (byInstance) return byInstance;
  const grouping = new Map<string, Check[]>();
  for (const service of topology.services.values()) {
    for (const check of service.checks) {
      const key = `${service.name}@${check.host ?? WHOLE_SERVICE}`;
      grouping.set(key, [...(grouping.get(key) ?? []), check]);
    }
  }
  byInstance = grouping;
  instanceCache.set(topology, byInstance);
  return byInstance;
}

/** Services whose failures can share a root cause with `ref` failing on `hosts` (see the header). */
export function relatedServices(topology: Topology, ref: PartRef, hosts: readonly string[]): Set<string> {
  const placed = (ref.kind === "host" ? [ref.name] : hosts).filter((host) => host !== WHOLE_SERVICE);
  const related = new Set<string>(ref.kind === "service" ? [ref.name] : []);
  for (const host of placed) for (const service of topology.onHost.get(host) ?? []) related.add(service);
  // Upstream: everything the seeds need, transitively, and whatever shares a host with it.
  const upstream = [...related];
  const queued = new Set(upstream);
  const seeds = upstream.length;
  for (let i = 0; i < upstream.length; i++) {
    const service = topology.services.get(upstream[i]!);
    if (!service) continue;
    for (const need of service.needs) {
      for (const name of need.anyOf) {
        if (queued.has(name)) continue;
        queued.add(name);
        related.add(name);
        upstream.push(name);
      }
    }
    // An upstream host is failing only when all its instances are: they count, what they need does not.
    if (i < seeds) continue;
    for (const host of hostsOf(service.placement)) for (const neighbour of topology.onHost.get(host) ?? []) related.add(neighbour);
  }
  // Downstream: what the part's failure and its hosts' failures take with them.
  for (const cause of [ref, ...placed.map((name): PartRef => ({ kind: "host", name }))]) {
    for (const name of blastRadius(topology, cause).keys()) related.add(name);
  }
  return related;
}

const settleCache = new WeakMap<Topology, Map<string, number>>();

/**
 * How long an incident that `ref` (failing on `hosts`) opens or joins waits before it is announced: from
 * the earliest the part itself can be confirmed down to the latest a related instance can, at most
 * SETTLE_CAP_MS.
 */
export function settleTime(topology: Topology, ref: PartRef, hosts: readonly string[]): number {
  let cache = settleCache.get(topology);
  if (!cache) settleCache.set(topology, (cache = new Map()));
  const key = `${ref.kind}:${ref.name}@${hosts.join(",")}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const byInstance = checksByInstance(topology);
  const own = ref.kind === "host"
    ? (topology.onHost.get(ref.name) ?? []).map((service) => `${service}@${ref.name}`)
    : hosts.map((host) => `${ref.name}@${host}`);
  const ownChecks = own.flatMap((instance) => byInstance.get(instance) ?? []);
  let latest = 0;
  for (const service of relatedServices(topology, ref, hosts)) {
    const placement = topology.services.get(service)?.placement;
    const instances = !placement || placement.kind === "logical" ? [WHOLE_SERVICE] : hostsOf(placement);
    for (const host of instances) {
      const checks = byInstance.get(`${service}@${host}`);
      if (checks && checks.length > 0) latest = Math.max(latest, detectionBounds(checks).latest);
    }
  }
  const earliest = ownChecks.length > 0 ? detectionBounds(ownChecks).earliest : 0;
  const settle = Math.min(SETTLE_CAP_MS, Math.max(0, latest - earliest));
  cache.set(key, settle);
  return settle;
}
