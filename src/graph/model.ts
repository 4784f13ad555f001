// The diagram's content, independent of the notation: hosts as clusters holding the instances placed on
// them (primary, standby, replica), logical services outside any host, edges for needs and failover,
// and the analysis's SPOFs marked. mermaid.ts and dot.ts only spell it.
import type { Topology } from "../model/topology.js";
import type { Analysis } from "../analysis/analyze.js";
import { formatDuration } from "../config/duration.js";

export type Part = "only" | "primary" | "standby" | "replica" | "logical";

export interface GraphNode {
  /** Safe in both notations: letters, digits and "_". */
  id: string;
  service: string;
  host: string | undefined;
  part: Part;
  /** The serving instance of a service that is a SPOF on its own. */
  spof: boolean;
}

export interface GraphCluster {
  id: string;
  host: string;
  site: string | undefined;
  spof: boolean;
  nodes: GraphNode[];
}

export type EdgeKind = "requires" | "degrades" | "exposed_via" | "failover";

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label: string | undefined;
}

export interface Graph {
  clusters: GraphCluster[];
  logical: GraphNode[];
  edges: GraphEdge[];
}

function idMaker() {
  const used = new Set<string>();
  return (prefix: string, ...parts: string[]) => {
    const base = `${prefix}_${parts.map((part) => part.replace(/[^A-Za-z0-9]/g, "_")).join("__")}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    return id;
  };
}

export function graphOf(topology: Topology, analysis: Analysis): Graph {
  const spofHosts = new Set(analysis.spofs.filter((s) => s.kind === "host").map((s) => s.component));
  const spofServices = new Set(analysis.spofs.filter((s) => s.kind === "service").map((s) => s.component));
  const id = idMaker();
  const clusters = new Map<string, GraphCluster>();
  for (const host of topology.hosts.values()) {
    clusters.set(host.name, { id: id("h", host.name), host: host.name, site: host.site, spof: spofHosts.has(host.name), nodes: [] });
  }
  // The node edges attach to: the serving instance (the primary, the first replica) or the logical node.
  const serving = new Map<string, string>();
  const logical: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const service of topology.services.values()) {
    const placement = service.placement;
    const spof = spofServices.has(service.name);
    if (placement.kind === "logical") {
      const node: GraphNode = { id: id("s", service.name), service: service.name, host: undefined, part: "logical", spof };
      logical.push(node);
      serving.set(service.name, node.id);
      continue;
    }
    const instances: Array<[string, Part]> = placement.kind === "replicas"
      ? placement.hosts.map((host) => [host, placement.hosts.length === 1 ? "only" : "replica"])
      : [[placement.primary, placement.standby.length === 0 ? "only" : "primary"], ...placement.standby.map((host): [string, Part] => [host, "standby"])];
    instances.forEach(([host, part], index) => {
      const node: GraphNode = { id: id("s", service.name, host), service: service.name, host, part, spof: spof && index === 0 };
      clusters.get(host)?.nodes.push(node);
      if (index === 0) serving.set(service.name, node.id);
      else if (part === "standby") edges.push({ from: serving.get(service.name)!, to: node.id, kind: "failover", label: "fails over to" });
    });
  }
  for (const service of topology.services.values()) {
    const from = serving.get(service.name)!;
    for (const need of service.needs) {
      for (const target of need.anyOf) {
        const to = serving.get(target)!;
        if (need.via === "exposed_via") edges.push({ from, to, kind: "exposed_via", label: need.anyOf.length > 1 ? "via (any)" : "via" });
        else if (need.mode === "degrades") edges.push({ from, to, kind: "degrades", label: need.afterMs === undefined ? "degrades" : `after ${formatDuration(need.afterMs)}` });
        else edges.push({ from, to, kind: "requires", label: undefined });
      }
    }
  }
  return { clusters: [...clusters.values()], logical, edges };
}

/** A node's text: the service, its part when it has company, and the SPOF mark. */
export function nodeLabel(node: GraphNode): string[] {
  const part = node.part === "only" ? "" : node.part === "logical" ? " (no host)" : ` (${node.part})`;
  return [`${node.service}${part}`, ...(node.spof ? ["SPOF!"] : [])];
}

export function clusterLabel(cluster: GraphCluster): string[] {
  return [`${cluster.host}${cluster.site === undefined ? "" : ` (${cluster.site})`}`, ...(cluster.spof ? ["SPOF!"] : [])];
}
