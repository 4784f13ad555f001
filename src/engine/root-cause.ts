// Root cause from verdicts and the topology: which failing parts explain which. Pure.
//
//   - a host is failing when it has a down instance, none that still serves (up, suspect, recovering),
//     and something about the host says so: a ping check down, an ssh check down with a connection
//     timeout or no route, or every down check failing that way (a push check's silence counts). A refused connection is the host
//     answering: a killed process is its instance's failure, not its host's. A source that cannot say
//     how its checks failed (no `downEvidence`) leaves the host failing whenever all its instances are;
//   - a failing service whose down instances are all on failing hosts is a child of the (first) host;
//   - otherwise a failing part is a child of the first failing part whose failure explains it, as the
//     analysis says: the part is in that part's blast radius (`evaluate`: down or degraded by it,
//     through runs_on, depends_on and exposed_via, transitively even through unchecked services);
//     a host is explained when every failing service on it is;
//   - candidates are tried hosts first, then services in dependency order, so the deepest cause wins;
//     a cycle (two parts explaining each other) is cut at its first part in that order.
// A service whose need is down in all its alternatives together, but not by any single one, stays
// its own root: blast radii are of single failures.
import type { Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import { evaluate, rank, type Outcome } from "../analysis/outcome.js";
import type { DownEvidence, VerdictSource } from "./verdict.js";
import { WHOLE_SERVICE } from "./verdict.js";

export interface PartRef {
  readonly kind: "host" | "service";
  readonly name: string;
}

/** Failing parts by key ("host:H003", "service:lan"), hosts first, then services in dependency order. */
export type Failing = ReadonlyMap<string, { readonly ref: PartRef; readonly hosts: readonly string[] }>;

export const serves = (state: string) => state === "up" || state === "suspect" || state === "recovering";

/**
 * Probe reasons that mean nothing was heard from the machine (not "refused": a refusal is an answer).
 * A push check's silence counts: its jobs stopped calling in, which every job on a dead host does.
 */
const UNANSWERED = new Set(["timeout", "unreachable", "silent", "never"]);

/** Check kinds that speak for the host itself; a change of theirs can move a root cause without moving an instance. */
export const HOST_LEVEL_KINDS: ReadonlySet<string> = new Set(["ping", "ssh"]);

const saysHostDown = (evidence: DownEvidence) =>
  (evidence.kind === "ping" && evidence.reason !== "slow") || (evidence.kind === "ssh" && ["timeout", "unreachable"].includes(evidence.reason ?? ""));

/** Whether the down instances on a host show the host itself is down (see the header). */
function hostEvidence(source: VerdictSource, host: string, services: readonly string[]): boolean {
  if (!source.downEvidence) return true;
  const evidence: DownEvidence[] = [];
  for (const service of services) {
    if (source.instanceState(service, host) !== "down") continue;
    const found = source.downEvidence(service, host);
    if (found === undefined) return true;
    evidence.push(...found);
  }
  if (evidence.some(saysHostDown)) return true;
  return evidence.length > 0 && evidence.every((item) => UNANSWERED.has(item.reason ?? ""));
}

export function findFailing(topology: Topology, source: VerdictSource): Failing {
  const failing = new Map<string, { ref: PartRef; hosts: string[] }>();
  for (const host of topology.hosts.keys()) {
    const services = topology.onHost.get(host) ?? [];
    const states = services.map((service) => source.instanceState(service, host));
    if (states.includes("down") && !states.some(serves) && hostEvidence(source, host, services)) {
      failing.set(`host:${host}`, { ref: { kind: "host", name: host }, hosts: [host] });
    }
  }
  for (const name of topology.order) {
    const service = topology.services.get(name)!;
    const hosts = service.placement.kind === "logical" ? [WHOLE_SERVICE] : hostsOf(service.placement);
    const down = hosts.filter((host) => source.instanceState(name, host) === "down");
    if (down.length > 0) failing.set(`service:${name}`, { ref: { kind: "service", name }, hosts: down });
  }
  return failing;
}

const blastCache = new WeakMap<Topology, Map<string, ReadonlyMap<string, Outcome>>>();

/** Services a single part's failure takes down or degrades (including the part itself, for a service). */
export function blastRadius(topology: Topology, ref: PartRef): ReadonlyMap<string, Outcome> {
  let cache = blastCache.get(topology);
  if (!cache) blastCache.set(topology, (cache = new Map()));
  const key = `${ref.kind}:${ref.name}`;
  let blast = cache.get(key);
  if (!blast) {
    const outcomes = evaluate(topology, {
      hosts: new Set(ref.kind === "host" ? [ref.name] : []),
      instances: new Set(),
      services: new Set(ref.kind === "service" ? [ref.name] : []),
    });
    blast = new Map([...outcomes].filter(([, outcome]) => rank(outcome) >= 2));
    cache.set(key, blast);
  }
  return blast;
}

function parentOf(topology: Topology, failing: Failing, key: string): string | undefined {
  const { ref, hosts } = failing.get(key)!;
  if (ref.kind === "service") {
    const placed = hosts.filter((host) => host !== WHOLE_SERVICE);
    if (placed.length > 0 && placed.every((host) => failing.has(`host:${host}`))) return `host:${placed[0]}`;
    for (const [candidate, other] of failing) {
      if (candidate !== key && blastRadius(topology, other.ref).has(ref.name)) return candidate;
    }
    return undefined;
  }
  const servicesDown = [...failing.values()].filter((part) => part.ref.kind === "service" && part.hosts.includes(ref.name)).map((part) => part.ref.name);
  if (servicesDown.length === 0) return undefined;
  for (const [candidate, other] of failing) {
    // A service that is down on this host cannot explain the host: the host explains it.
    if (candidate === key || (other.ref.kind === "service" && other.hosts.includes(ref.name))) continue;
    const blast = blastRadius(topology, other.ref);
    if (servicesDown.every((service) => blast.has(service))) return candidate;
  }
  return undefined;
}

/** Groups failing parts under their roots: root key → [root, ...children], in `failing` order. */
export function groupByRoot(topology: Topology, failing: Failing): Map<string, string[]> {
  const parent = new Map<string, string>();
  for (const key of failing.keys()) {
    const found = parentOf(topology, failing, key);
    if (found !== undefined) parent.set(key, found);
  }
  const order = [...failing.keys()];
  const rootOf = (key: string): string => {
    const path: string[] = [];
    let at = key;
    for (let next = parent.get(at); next !== undefined; next = parent.get(at)) {
      path.push(at);
      if (path.includes(next)) {
        // A cycle: cut it at its first part in candidate order, which becomes a root.
        const cycle = path.slice(path.indexOf(next));
        const first = cycle.reduce((a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b));
        parent.delete(first);
        return rootOf(key);
      }
      at = next;
    }
    return at;
  };
  const groups = new Map<string, string[]>();
  for (const key of order) {
    const root = rootOf(key);
    if (!groups.has(root)) groups.set(root, [root]);
    if (key !== root) groups.get(root)!.push(key);
  }
  return groups;
}
