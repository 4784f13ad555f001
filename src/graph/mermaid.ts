// The topology as a Mermaid flowchart (renders in GitHub, Forgejo and most Markdown viewers).
// Hosts are subgraphs; SPOFs get a red border and "SPOF!"; soft needs are dashed, exposure is thick.
import type { Topology } from "../model/topology.js";
import type { Analysis } from "../analysis/analyze.js";
import { clusterLabel, graphOf, nodeLabel, type GraphEdge, type GraphNode } from "./model.js";

/** Mermaid's entity form keeps a quote from ending the label. */
const text = (lines: string[]) => `"${lines.join("<br/>").replace(/"/g, "#quot;")}"`;

function node(n: GraphNode): string {
  // Logical services (no host of their own) are stadium-shaped.
  return n.part === "logical" ? `${n.id}([${text(nodeLabel(n))}])` : `${n.id}[${text(nodeLabel(n))}]`;
}

function edge(e: GraphEdge): string {
  const label = e.label === undefined ? "" : `|${text([e.label])}|`;
  const arrow = { requires: "-->", degrades: "-.->", exposed_via: "==>", failover: "-.-o" }[e.kind];
  return `  ${e.from} ${arrow}${label} ${e.to}`;
}

export function toMermaid(topology: Topology, analysis: Analysis): string {
  const graph = graphOf(topology, analysis);
  const lines = ["flowchart LR"];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${cluster.id}[${text(clusterLabel(cluster))}]`);
    for (const n of cluster.nodes) lines.push(`    ${node(n)}`);
    lines.push("  end");
  }
  for (const n of graph.logical) lines.push(`  ${node(n)}`);
  lines.push(...graph.edges.map(edge));
  lines.push("  classDef spof stroke:#d00,stroke-width:3px,color:#d00");
  lines.push("  classDef standby stroke-dasharray:5 5");
  const all = [...graph.clusters.flatMap((c) => c.nodes), ...graph.logical];
  const spofs = all.filter((n) => n.spof).map((n) => n.id);
  const standbys = all.filter((n) => n.part === "standby").map((n) => n.id);
  if (spofs.length > 0) lines.push(`  class ${spofs.join(",")} spof`);
  if (standbys.length > 0) lines.push(`  class ${standbys.join(",")} standby`);
  for (const cluster of graph.clusters.filter((c) => c.spof)) lines.push(`  style ${cluster.id} stroke:#d00,stroke-width:3px`);
  return lines.join("\n");
}
