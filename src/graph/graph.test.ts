// The diagrams show what a reader of the seed's picture looks for: hosts with their services, which copy
// is primary or standby, soft and exposure edges told apart, and the SPOFs marked.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../config/load.js";
import { buildTopology, type Topology } from "../model/topology.js";
import { analyze } from "../analysis/analyze.js";
import { toMermaid } from "./mermaid.js";
import { toDot } from "./dot.js";

function topologyOf(text: string): Topology {
  const result = parseConfig(text, "test.yaml");
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(result.config);
}

const small = topologyOf(`
version: 1
hosts: { vps: { address: 10.0.0.1, site: cloud }, spare: { address: 10.0.0.2 }, home: { address: 10.0.0.3 } }
services:
  hs: { role: control-plane, criticality: critical, primary: vps, standby: [spare], recovery: { strategy: automatic-failover, rto: 1m } }
  mesh: { role: overlay-network, depends_on: [{ service: hs, mode: degrades, after: 1h }] }
  proxy: { role: reverse-proxy, criticality: high, runs_on: [vps] }
  tunnel: { role: tunnel, runs_on: [vps, home] }
  app: { criticality: high, runs_on: [home], exposed_via: [proxy, tunnel], depends_on: [mesh] }
`);

describe("mermaid", () => {
  const text = toMermaid(small, analyze(small));
  const lines = text.split("\n").map((line) => line.trim());

  test("hosts are subgraphs holding their instances; the mesh stands outside", () => {
    expect(lines[0]).toBe("flowchart LR");
    expect(lines).toContain('subgraph h_vps["vps (cloud)<br/>SPOF!"]');
    expect(lines).toContain('s_hs__vps["hs (primary)"]');
    expect(lines).toContain('s_hs__spare["hs (standby)"]');
    expect(lines).toContain('s_tunnel__home["tunnel (replica)"]');
    expect(lines).toContain('s_mesh(["mesh (no host)"])');
    const vps = lines.indexOf('subgraph h_vps["vps (cloud)<br/>SPOF!"]');
    expect(lines.indexOf('s_proxy__vps["proxy<br/>SPOF!"]')).toBeGreaterThan(vps);
    expect(lines.indexOf("end", vps)).toBeGreaterThan(lines.indexOf('s_proxy__vps["proxy<br/>SPOF!"]'));
  });

  test("edges: soft needs dashed with their delay, exposure thick, failover to the standby", () => {
    expect(lines).toContain('s_mesh -.->|"after 1h"| s_hs__vps');
    expect(lines).toContain('s_app__home ==>|"via (any)"| s_proxy__vps');
    expect(lines).toContain('s_app__home ==>|"via (any)"| s_tunnel__vps');
    expect(lines).toContain("s_app__home --> s_mesh");
    expect(lines).toContain('s_hs__vps -.-o|"fails over to"| s_hs__spare');
  });

  test("SPOFs get the red class; a service with a standby does not", () => {
    // The proxy and the app each run on one host; the control plane has a standby.
    expect(lines).toContain("class s_proxy__vps,s_app__home spof");
    expect(lines).toContain("style h_vps stroke:#d00,stroke-width:3px");
    expect(lines.some((line) => line.startsWith("style h_spare"))).toBe(false);
    expect(lines).toContain("class s_hs__spare standby");
  });

  test("on the seed's homelab: every host, every service, and the seed's SPOF hosts marked", () => {
    const raw = parse(readFileSync(new URL("../../examples/homelab.yaml", import.meta.url), "utf8")) as { hosts: object; services: Record<string, { checks?: unknown }> };
    for (const service of Object.values(raw.services)) delete service.checks;
    const homelab = topologyOf(stringify(raw));
    const diagram = toMermaid(homelab, analyze(homelab));
    for (const host of Object.keys(raw.hosts)) expect(diagram).toMatch(new RegExp(`subgraph h_${host}\\["${host} \\(\\w+\\)<br/>SPOF!"\\]`));
    // Node ids keep letters and digits only ("nfs-client" is s_nfs_client__H001); the label keeps the name.
    for (const service of Object.keys(raw.services)) expect(diagram).toMatch(new RegExp(`s_${service.replace(/\W/g, "_")}(__\\w+)?\\(?\\["${service}`));
    expect(diagram).toContain('s_headscale__L001["headscale<br/>SPOF!"]');
    expect(diagram).toContain('s_nginx__O001["nginx<br/>SPOF!"]');
  });
});

/** A structural check of DOT (graphviz is not installed here): statements, braces, declared endpoints. */
function checkDot(text: string): { nodes: Set<string>; edges: Array<[string, string]> } {
  const nodes = new Set<string>();
  const edges: Array<[string, string]> = [];
  let depth = 0;
  const STRING = String.raw`"(?:[^"\\]|\\.)*"`;
  const ATTRS = String.raw`\[(?:\w+=(?:${STRING}|[\w.]+)(?:, )?)+\];`;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "digraph understudy {" || new RegExp(`^subgraph ${STRING} \\{$`).test(line)) depth++;
    else if (line === "}") depth--;
    else if (new RegExp(`^\\w+=(?:${STRING}|\\w+);$`).test(line) || new RegExp(`^node ${ATTRS}$`).test(line)) continue;
    else {
      const edge = new RegExp(`^(${STRING}) -> (${STRING})(?: ${ATTRS}|;)$`).exec(line);
      const node = new RegExp(`^(${STRING}) ${ATTRS}$`).exec(line);
      if (edge) edges.push([edge[1]!, edge[2]!]);
      else if (node) nodes.add(node[1]!);
      else throw new Error(`not a DOT statement: ${line}`);
    }
    if (depth < 0) throw new Error("unbalanced braces");
  }
  if (depth !== 0) throw new Error("unbalanced braces");
  return { nodes, edges };
}

describe("dot", () => {
  const text = toDot(small, analyze(small));

  test("is well-formed: balanced clusters, every edge between declared nodes", () => {
    const { nodes, edges } = checkDot(text);
    expect(nodes.size).toBe(7);
    expect(edges.length).toBe(5);
    for (const [from, to] of edges) {
      expect(nodes.has(from)).toBe(true);
      expect(nodes.has(to)).toBe(true);
    }
    expect(() => checkDot(text.replace(/\n\}\s*$/, ""))).toThrow(/unbalanced/);
  });

  test("clusters per host, SPOFs red, edge styles distinct", () => {
    expect(text).toContain('subgraph "cluster_h_vps" {\n    label="vps (cloud)\\nSPOF!";\n    color="red";');
    expect(text).toContain('"s_proxy__vps" [label="proxy\\nSPOF!", color="red", penwidth=3];');
    expect(text).toContain('"s_hs__spare" [label="hs (standby)", style="rounded,dashed"];');
    expect(text).toContain('"s_mesh" [label="mesh (no host)", shape="ellipse"];');
    expect(text).toContain('"s_mesh" -> "s_hs__vps" [label="after 1h", style="dashed"];');
    expect(text).toContain('"s_app__home" -> "s_proxy__vps" [label="via (any)", style="bold", color="blue"];');
    expect(text).toContain('"s_app__home" -> "s_mesh";');
    expect(text).toContain('"s_hs__vps" -> "s_hs__spare" [label="fails over to", style="dotted", arrowhead="empty"];');
  });
});
