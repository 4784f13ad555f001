// The Overview's picture: the layout from topology-layout.ts drawn as SVG. Every instance is a link to
// its service page with a spoken label (name, host, health, active/standby, SPOF), so the graph works
// by keyboard and screen reader; the same facts are in the table under it.
import type { Topology } from "../api/types.js";
import { healthLabel } from "./health.js";
import { ROLE_WORDS } from "./instance-role.js";
import { layoutTopology, type InstanceNode, type InstanceStates, type LogicalNode } from "./topology-layout.js";

function spoken(service: string, health: string, where: string, role: string, spof: boolean): string {
  return `${service}${where}: ${healthLabel(health)}${role ? `, ${role}` : ""}${spof ? ", single point of failure" : ""}`;
}

function Instance({ node }: { node: InstanceNode }) {
  const label = spoken(node.service, node.health, ` on ${node.host}`, node.role === "replica" ? "" : ROLE_WORDS[node.role], node.spof) + (node.reason && node.role !== "active" ? ` (${node.reason})` : "");
  return (
    <a href={`/services/${encodeURIComponent(node.service)}`} aria-label={label} class="graph-link">
      <g class={`instance health-${node.health} role-${node.role}${node.spof ? " spof" : ""}`} data-service={node.service} data-host={node.host} data-role={node.role} data-health={node.health}>
        <title>{label}</title>
        <rect x={node.x} y={node.y} width={node.w} height={node.h} rx={6} />
        <circle class="dot" cx={node.x + 14} cy={node.y + node.h / 2} r={5} />
        <text x={node.x + 26} y={node.y + node.h / 2 + 4} class="instance-name">
          {node.service}
        </text>
        {node.role !== "replica" && (
          <text x={node.x + node.w - 8} y={node.y + node.h / 2 + 4} text-anchor="end" class="tag">
            {ROLE_WORDS[node.role]}
          </text>
        )}
      </g>
    </a>
  );
}

function Logical({ node }: { node: LogicalNode }) {
  const label = spoken(node.service, node.health, "", "logical service", node.spof);
  return (
    <a href={`/services/${encodeURIComponent(node.service)}`} aria-label={label} class="graph-link">
      <g class={`logical health-${node.health}${node.spof ? " spof" : ""}`} data-service={node.service} data-health={node.health}>
        <title>{label}</title>
        <rect x={node.x} y={node.y} width={node.w} height={node.h} rx={node.h / 2} />
        <circle class="dot" cx={node.x + 20} cy={node.y + node.h / 2} r={6} />
        <text x={node.x + node.w / 2} y={node.y + node.h / 2 + 5} text-anchor="middle" class="instance-name">
          {node.service}
        </text>
      </g>
    </a>
  );
}

export function TopologyGraph({ topology, states }: { topology: Topology; states: InstanceStates }) {
  const layout = layoutTopology(topology, states);
  const internet = layout.internet;
  return (
    <svg class="topology" viewBox={`0 0 ${layout.width} ${layout.height}`} width={layout.width} role="group" aria-label="Topology: hosts, the services on them and what depends on what">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
      </defs>
      {layout.labels.map((label) => (
        <text key={label.text + label.y} x={label.x} y={label.y} class="row-label">
          {label.text}
        </text>
      ))}
      {internet &&
        layout.hosts
          .filter((host) => host.public)
          .map((host) => <line key={host.name} class="uplink" x1={internet.x + internet.w / 2} y1={internet.y + internet.h} x2={host.x + host.w / 2} y2={host.y} />)}
      {internet && (
        <g class="internet" aria-hidden="true">
          <rect x={internet.x} y={internet.y} width={internet.w} height={internet.h} rx={16} />
          <text x={internet.x + internet.w / 2} y={internet.y + 21} text-anchor="middle">
            Internet
          </text>
        </g>
      )}
      {layout.hosts.map((host) => (
        <g key={host.name} class={`host${host.spof ? " spof" : ""}`} data-host={host.name} role="group" aria-label={`Host ${host.name}${host.site ? `, site ${host.site}` : ""}${host.spof ? ", single point of failure" : ""}`}>
          <rect x={host.x} y={host.y} width={host.w} height={host.h} rx={10} class="host-box" />
          <text x={host.x + 12} y={host.y + 20} class="host-name">
            {host.name}
          </text>
          <text x={host.x + 12} y={host.y + 35} class="host-site">
            {[host.site, host.public ? "public" : null].filter(Boolean).join(" · ")}
          </text>
          {host.spof && (
            <text x={host.x + host.w - 12} y={host.y + 20} text-anchor="end" class="spof-tag">
              SPOF
            </text>
          )}
          {host.instances.map((node) => (
            <Instance key={node.service} node={node} />
          ))}
        </g>
      ))}
      {layout.logical.map((node) => (
        <Logical key={node.service} node={node} />
      ))}
      <g class="edges" aria-hidden="true">
        {layout.edges.map((edge) => (
          <path key={`${edge.from}->${edge.to}`} d={edge.d} class={`edge${edge.soft ? " soft" : ""}`} marker-end="url(#arrow)" data-from={edge.from} data-to={edge.to} />
        ))}
      </g>
    </svg>
  );
}
