// GET /api/topology: the graph the Overview page draws — hosts, services with their placement and
// needs, which host serves each failover service now, live health, and the SPOFs from the analysis.
// Each failover instance also carries its role from the failover engine (failover/instance-states.ts:
// serving, warm, catching-up, pending-fence, down), so the dashboard can call a killed primary what it is.
// Pure: the running agent passes health, active hosts and instance roles in. The analysis is cached per topology (it
// changes only on a reload).
import { analyze, type Analysis } from "../analysis/analyze.js";
import type { InstanceState } from "../failover/instance-states.js";
import type { Topology } from "../model/topology.js";
import type { z } from "zod";
import type { topologyResponse } from "./schemas.js";

const analyses = new WeakMap<Topology, Analysis>();

export function analysisOf(topology: Topology): Analysis {
  let analysis = analyses.get(topology);
  if (!analysis) analyses.set(topology, (analysis = analyze(topology)));
  return analysis;
}

export interface InstanceRole {
  host: string;
  state: InstanceState;
  /** ms since the epoch: when it entered the state. */
  since: number;
  reason: string;
}

export interface LiveView {
  health(service: string): string;
  activeHost?(service: string): string | undefined;
  /** The failover engine's role of each instance of a primary/standby service; undefined for others. */
  instanceRoles?(service: string): InstanceRole[] | undefined;
}

export function topologyView(topology: Topology, live: LiveView): z.output<typeof topologyResponse> {
  return {
    hosts: [...topology.hosts.values()].map((host) => ({ name: host.name, site: host.site ?? null, public: host.public })),
    services: [...topology.services.values()].map((service) => {
      const { placement } = service;
      return {
        name: service.name,
        role: service.role ?? null,
        criticality: service.criticality,
        placement: placement.kind === "replicas"
          ? { kind: placement.kind, hosts: [...placement.hosts] }
          : placement.kind === "failover"
            ? { kind: placement.kind, primary: placement.primary, standby: [...placement.standby] }
            : { kind: placement.kind },
        needs: service.needs.map((need) => ({ any_of: [...need.anyOf], mode: need.mode, after_s: need.afterMs === undefined ? null : need.afterMs / 1000, via: need.via })),
        active_host: placement.kind === "failover" ? (live.activeHost?.(service.name) ?? placement.primary) : null,
        health: live.health(service.name),
        roles: placement.kind === "failover"
          ? (live.instanceRoles?.(service.name) ?? []).map((role) => ({ host: role.host, state: role.state, since: new Date(role.since).toISOString(), reason: role.reason }))
          : null,
      };
    }),
    spofs: analysisOf(topology).spofs.map((report) => report.component),
  };
}
