// The read-only views the dashboard pages draw: topology, analysis, plan, incidents, uptime and heartbeats.
import { parseDuration } from "../../config/duration.js";
import { toJson as analysisJson } from "../../cli/analyze.js";
import { toJson as planJson } from "../../cli/plan.js";
import type { ConfigDocument } from "../../config/schema.js";
import { buildPlan } from "../../plan/plan.js";
import { deliveriesOf } from "../../store/deliveries.js";
import { listIncidents } from "../../store/incidents.js";
import type { ApiDeps } from "../deps.js";
import { viewIncident } from "../incident-view.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";
import { agentsResponse, analysisResponse, heartbeatsQuery, heartbeatsResponse, incidentsQuery, incidentsResponse, planResponse, topologyResponse, uptimeQuery, uptimeResponse } from "../schemas.js";
import { instanceStates } from "../../failover/instance-states.js";
import { heartbeatsView } from "../heartbeat-view.js";
import { analysisOf, topologyView } from "../topology-view.js";
import { uptimeView } from "../uptime-view.js";

const plans = new WeakMap<ConfigDocument, unknown>();

/** "2026-01-01T00:00:00Z" or a duration back from now ("24h"); undefined when neither. */
function parseSince(text: string, now: number): number | undefined {
  const back = parseDuration(text);
  if (back !== undefined) return now - back;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

export function viewRoutes(router: Router, deps: ApiDeps): void {
  router.add({ method: "get", path: "/api/topology", access: "viewer", summary: "Hosts, services, dependencies, active hosts, live health and SPOFs", response: topologyResponse }, (c) =>
    sendJson(c, topologyView(deps.topology(), {
      health: deps.health,
      activeHost: deps.failover?.activeHost,
      instanceRoles: (service) => instanceStates(deps.store, deps.topology(), service, deps.clock.now()),
    })));

  router.add({ method: "get", path: "/api/analysis", access: "viewer", summary: "The JSON of `understudy analyze`", response: analysisResponse }, (c) =>
    sendJson(c, analysisJson(analysisOf(deps.topology()))));

  router.add({ method: "get", path: "/api/plan", access: "viewer", summary: "The JSON of `understudy plan`", response: planResponse }, (c) => {
    const config = deps.config();
    let plan = plans.get(config);
    if (plan === undefined) plans.set(config, (plan = planJson(buildPlan(config))));
    return sendJson(c, plan);
  });

  router.add({ method: "get", path: "/api/incidents", access: "viewer", summary: "Incidents, newest first, with root, children and durations", query: incidentsQuery, response: incidentsResponse }, (c, { query }) => {
    const now = deps.clock.now();
    const since = query.since === undefined ? undefined : parseSince(query.since, now);
    if (query.since !== undefined && since === undefined) return sendError(c, 400, `since must be an ISO time or a duration such as 24h, got "${query.since}"`);
    const incidents = listIncidents(deps.store, { ...(query.open === undefined ? {} : { open: query.open }), ...(since === undefined ? {} : { since }) });
    return sendJson(c, { incidents: incidents.map((incident) => viewIncident(incident, now, deliveriesOf(deps.store, incident.id))) });
  });

  router.add({ method: "get", path: "/api/services/:name/uptime", access: "viewer", summary: "A service's uptime, latency percentiles and a series for the chart", query: uptimeQuery, response: uptimeResponse, errors: { 404: "no such service" } }, (c, { query }) => {
    const name = c.req.param("name") ?? "";
    const service = deps.topology().services.get(name);
    if (!service) return sendError(c, 404, `no service named "${name}"`);
    return sendJson(c, uptimeView(deps.store, name, query.window, deps.clock.now(), service.placement));
  });

  router.add({ method: "get", path: "/api/agents", access: "viewer", summary: "The agents watching (etcd: each one's lease, leadership and what it sees down; the gone ones)", response: agentsResponse }, async (c) => {
    const self = deps.status().agent;
    const local = { leader: self.name, quorum: null, agents: [{ name: self.name, version: self.version, leader: true, started_at: self.started_at, lease_age_s: null, last_observation_at: null, down: [] }], gone: [] };
    if (!deps.agents) return sendJson(c, { coordination: "local", ...local });
    try {
      const list = await deps.agents();
      return sendJson(c, list === undefined ? { coordination: "etcd", ...local, leader: null, error: "the etcd session is not open yet" } : { coordination: "etcd", ...list, leader: list.leader ?? null });
    } catch (error) {
      return sendJson(c, { coordination: "etcd", ...local, leader: null, error: `etcd did not answer: ${(error as Error).message}` });
    }
  });

  router.add({ method: "get", path: "/api/heartbeats", access: "viewer", summary: "The last results of each check and evenly sampled beats of each service, for the heartbeat bars", query: heartbeatsQuery, response: heartbeatsResponse, errors: { 404: "no such service" } }, (c, { query }) => {
    const topology = deps.topology();
    if (query.service !== undefined && !topology.services.has(query.service)) return sendError(c, 404, `no service named "${query.service}"`);
    return sendJson(c, heartbeatsView(deps.store, topology, deps.clock.now(), query.limit, query.service));
  });
}
