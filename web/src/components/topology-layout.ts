// Where each part of the topology graph goes, computed from the topology alone (pure, no DOM): rows
// like the seed's diagram — the internet, the public hosts, the logical services (the mesh), then the
// private hosts one row per site — hosts as boxes listing their service instances, and one edge per
// dependency between the instances that serve (the active one of a failover pair).
import type { Health, Topology, TopologyService } from "../api/types.js";
import { routeEdge, rounded, type Band, type Endpoint } from "./edge-routes.js";
import { activeHostOf, roleOf, roleReason, type InstanceRole, type InstanceStates } from "./instance-role.js";

export type { InstanceRole, InstanceStates } from "./instance-role.js";

export const BOX_W = 200;
const HEADER_H = 44;
const ROW_H = 28;
const ROW_GAP = 6;
const GAP_X = 44;
const GAP_Y = 76;
const MARGIN = 24;
const LABEL_H = 22;
const MAX_PER_ROW = 4;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface InstanceNode extends Rect {
  service: string;
  host: string;
  role: InstanceRole;
  /** The failover engine's reason for the role, when it gave one. */
  reason: string | null;
  health: Health;
  spof: boolean;
}

export interface HostBox extends Rect {
  name: string;
  site: string | null;
  public: boolean;
  spof: boolean;
  instances: InstanceNode[];
}

export interface LogicalNode extends Rect {
  service: string;
  health: Health;
  spof: boolean;
}

export interface Edge {
  from: string;
  to: string;
  soft: boolean;
  d: string;
}

export interface RowLabel {
  text: string;
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  internet: Rect | null;
  hosts: HostBox[];
  logical: LogicalNode[];
  edges: Edge[];
  uplinks: string[];
  labels: RowLabel[];
}

const STATE_HEALTH: Record<string, Health> = { up: "up", down: "down", suspect: "degraded", recovering: "degraded" };

/** An instance is colored by its own state; without one, the active or a replica shows the service's
 * health and any other shows unknown (the service being up says nothing about its standby). */
function instanceHealth(service: TopologyService, host: string, role: InstanceRole, states: InstanceStates): Health {
  return STATE_HEALTH[states.get(`${service.name}@${host}`) ?? ""] ?? (role === "active" || role === "replica" ? service.health : "unknown");
}

/** The instance a dependency edge starts or ends at: the active one, else the first replica. */
function anchorHost(service: TopologyService): string | null {
  const placement = service.placement;
  if (placement.kind === "failover") return activeHostOf(service);
  if (placement.kind === "replicas") return placement.hosts[0] ?? null;
  return null;
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function curve(from: Rect, to: Rect): string {
  const [fx, tx] = [from.x + from.w / 2, to.x + to.w / 2];
  const [fy, ty] = [from.y + from.h / 2, to.y + to.h / 2];
  // Same column: leave and enter on the right, bulging outwards. Otherwise face each other.
  const sameColumn = Math.abs(fx - tx) < BOX_W;
  const rightward = tx > fx;
  const startX = sameColumn || rightward ? from.x + from.w : from.x;
  const endX = sameColumn ? to.x + to.w : rightward ? to.x : to.x + to.w;
  const bend = Math.max(36, Math.abs(ty - fy) / 3);
  const c1 = startX + (sameColumn || rightward ? bend : -bend);
  const c2 = endX + (sameColumn ? bend : rightward ? -bend : bend);
  return `M${startX},${fy} C${c1},${fy} ${c2},${ty} ${endX},${ty}`;
}

export function layoutTopology(topology: Topology, states: InstanceStates = new Map()): Layout {
  const spofs = new Set(topology.spofs);
  const services = new Map(topology.services.map((service) => [service.name, service]));
  const onHost = new Map<string, TopologyService[]>(topology.hosts.map((host) => [host.name, []]));
  for (const service of [...topology.services].sort(byName)) {
    const placement = service.placement;
    const hosts = placement.kind === "replicas" ? placement.hosts : placement.kind === "failover" ? [placement.primary, ...placement.standby] : [];
    for (const host of hosts) onHost.get(host)?.push(service);
  }

  const publicHosts = topology.hosts.filter((host) => host.public).sort(byName);
  const sites = [...new Set(topology.hosts.filter((host) => !host.public).map((host) => host.site))].sort((a, b) => (a ?? "").localeCompare(b ?? ""));
  const logical = topology.services.filter((service) => service.placement.kind === "logical").sort(byName);

  type Row = { label: string; kind: "hosts" | "logical"; names: string[] };
  const rows: Row[] = [];
  for (const names of chunk(publicHosts.map((host) => host.name), MAX_PER_ROW)) rows.push({ label: "Public hosts", kind: "hosts", names });
  for (const names of chunk(logical.map((service) => service.name), MAX_PER_ROW)) rows.push({ label: "Logical services", kind: "logical", names });
  for (const site of sites) {
    const names = topology.hosts.filter((host) => !host.public && host.site === site).sort(byName).map((host) => host.name);
    for (const part of chunk(names, MAX_PER_ROW)) rows.push({ label: site === null ? "Private hosts" : `Site ${site}`, kind: "hosts", names: part });
  }

  const widest = Math.max(1, ...rows.map((row) => row.names.length));
  const width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X;
  const layout: Layout = { width, height: 0, internet: null, hosts: [], logical: [], edges: [], uplinks: [], labels: [] };
  const hostInfo = new Map(topology.hosts.map((host) => [host.name, host]));
  /** Where each service's edges start and end, and the host it is on (null: a logical service). */
  const instanceAt = new Map<string, { rect: Rect; host: string | null }>();
  /** The rows as the edge router sees them (edge-routes.ts). */
  const bands: Band[] = [];
  let y = MARGIN;

  if (publicHosts.length > 0) {
    layout.internet = { x: width / 2 - 60, y, w: 120, h: 32 };
    y += 32 + GAP_Y / 2;
  }
  let previousLabel = "";
  for (const row of rows) {
    const rowWidth = row.names.length * BOX_W + (row.names.length - 1) * GAP_X;
    let x = (width - rowWidth) / 2;
    if (row.label !== previousLabel) {
      layout.labels.push({ text: row.label, x: MARGIN, y: y + 14 });
      previousLabel = row.label;
    }
    y += LABEL_H;
    let rowHeight = 0;
    const band: Band = { top: y, bottom: y, boxes: [] };
    bands.push(band);
    for (const name of row.names) {
      if (row.kind === "logical") {
        const service = services.get(name)!;
        const node: LogicalNode = { service: name, health: service.health, spof: spofs.has(name), x, y, w: BOX_W, h: 40 };
        layout.logical.push(node);
        band.boxes.push(node);
        instanceAt.set(name, { rect: node, host: null });
        rowHeight = Math.max(rowHeight, node.h);
      } else {
        const host = hostInfo.get(name)!;
        const list = onHost.get(name) ?? [];
        const box: HostBox = { name, site: host.site, public: host.public, spof: spofs.has(name), x, y, w: BOX_W, h: HEADER_H + Math.max(1, list.length) * (ROW_H + ROW_GAP) + 4, instances: [] };
        list.forEach((service, index) => {
          const role = roleOf(service, name, states);
          const instance: InstanceNode = { service: service.name, host: name, role, reason: roleReason(service, name), health: instanceHealth(service, name, role, states), spof: spofs.has(service.name), x: x + 8, y: y + HEADER_H + index * (ROW_H + ROW_GAP), w: BOX_W - 16, h: ROW_H };
          box.instances.push(instance);
          if (anchorHost(service) === name) instanceAt.set(service.name, { rect: instance, host: name });
        });
        layout.hosts.push(box);
        band.boxes.push(box);
        if (host.public) layout.uplinks.push(name);
        rowHeight = Math.max(rowHeight, box.h);
      }
      x += BOX_W + GAP_X;
    }
    band.bottom = y + rowHeight;
    y += rowHeight + GAP_Y;
  }
  // Room under the last row for the channel edges within it run along.
  layout.height = y - GAP_Y + MARGIN + 16;
  const boxOf = (at: { rect: Rect; host: string | null }): Rect => (at.host === null ? at.rect : layout.hosts.find((box) => box.name === at.host)!);
  const endpoint = (at: { rect: Rect; host: string | null }): Endpoint => ({ node: at.rect, box: boxOf(at) });
  let routed = 0;
  const route = (from: Endpoint, to: Endpoint) => rounded(routeEdge(bands, width, from, to, (routed++ % 5) - 2));

  // Needs from services on one host towards the same service share one edge leaving the host's box, as
  // the seed draws "H001 → NFS": twenty per-service arrows into the router would hide everything else.
  const shared = new Map<string, { host: string; to: string; toAt: { rect: Rect; host: string | null }; services: string[]; first: { rect: Rect; host: string | null }; soft: boolean }>();
  for (const service of topology.services) {
    const from = instanceAt.get(service.name);
    if (!from) continue;
    for (const need of service.needs) {
      for (const target of need.any_of) {
        const to = instanceAt.get(target);
        if (!to || target === service.name) continue;
        const soft = need.mode === "degrades";
        if (from.host !== null && from.host === to.host) {
          layout.edges.push({ from: service.name, to: target, soft, d: curve(from.rect, to.rect) });
          continue;
        }
        if (from.host === null) {
          layout.edges.push({ from: service.name, to: target, soft, d: route(endpoint(from), endpoint(to)) });
          continue;
        }
        const key = `${from.host}->${target}`;
        const edge = shared.get(key);
        if (edge) {
          edge.services.push(service.name);
          edge.soft &&= soft;
        } else shared.set(key, { host: from.host, to: target, toAt: to, services: [service.name], first: from, soft });
      }
    }
  }
  const slots = new Map<string, number>();
  const perHost = new Map<string, number>();
  for (const edge of shared.values()) if (edge.services.length > 1) perHost.set(edge.host, (perHost.get(edge.host) ?? 0) + 1);
  for (const edge of shared.values()) {
    if (edge.services.length === 1) {
      layout.edges.push({ from: edge.services[0]!, to: edge.to, soft: edge.soft, d: route(endpoint(edge.first), endpoint(edge.toAt)) });
      continue;
    }
    const box = layout.hosts.find((candidate) => candidate.name === edge.host)!;
    const slot = slots.get(edge.host) ?? 0;
    slots.set(edge.host, slot + 1);
    const count = perHost.get(edge.host)!;
    layout.edges.push({ from: edge.host, to: edge.to, soft: edge.soft, d: route({ node: box, box, fromEdgeX: box.x + box.w / 2 + (slot - (count - 1) / 2) * 24 }, endpoint(edge.toAt)) });
  }
  return layout;
}
