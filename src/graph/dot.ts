// The topology as Graphviz DOT (`dot -Tsvg`). Hosts are clusters; SPOFs are red with "SPOF!";
// soft needs are dashed with their delay, exposure is bold blue, failover is dotted.
import type { Topology } from "../model/topology.js";
import type { Analysis } from "../analysis/analyze.js";
import { clusterLabel, graphOf, nodeLabel, type GraphEdge, type GraphNode } from "./model.js";

const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const label = (lines: string[]) => quote(lines.join("\n")).replace(/\n/g, "\\n");

function attributes(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "number" || /^".*"$/s.test(String(value)) ? value : quote(String(value))}`)
    .join(", ");
}

function node(n: GraphNode): string {
  return `${quote(n.id)} [${attributes({
    label: label(nodeLabel(n)),
    shape: n.part === "logical" ? "ellipse" : undefined,
    style: n.part === "standby" ? "rounded,dashed" : undefined,
    color: n.spof ? "red" : undefined,
    penwidth: n.spof ? 3 : undefined,
  })}];`;
}

const EDGE_STYLE: Record<GraphEdge["kind"], Record<string, string | undefined>> = {
  requires: {},
  degrades: { style: "dashed" },
  exposed_via: { style: "bold", color: "blue" },
  failover: { style: "dotted", arrowhead: "empty" },
};

function edge(e: GraphEdge): string {
  const attrs = attributes({ label: e.label === undefined ? undefined : label([e.label]), ...EDGE_STYLE[e.kind] });
  return `  ${quote(e.from)} -> ${quote(e.to)}${attrs === "" ? "" : ` [${attrs}]`};`;
}

export function toDot(topology: Topology, analysis: Analysis): string {
  const graph = graphOf(topology, analysis);
  const lines = ["digraph understudy {", "  rankdir=LR;", "  compound=true;", '  node [shape=box, style=rounded];'];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${quote(`cluster_${cluster.id}`)} {`);
    lines.push(`    label=${label(clusterLabel(cluster))};`);
    if (cluster.spof) lines.push('    color="red";', "    penwidth=3;");
    for (const n of cluster.nodes) lines.push(`    ${node(n)}`);
    lines.push("  }");
  }
  for (const n of graph.logical) lines.push(`  ${node(n)}`);
  lines.push(...graph.edges.map(edge));
  lines.push("}");
  return lines.join("\n");
}
