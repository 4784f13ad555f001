// GET /api/public/status: what a stranger may see. Only services marked `public: true`, by name and
// health; incidents that touch one of them, with a title rebuilt from public service names alone — the
// stored title names hosts and private services ("H003 down: lan, adguard…"), so it is never copied.
// No addresses, hosts, checks or internals: the output is built field by field from an allowlist.
// An incident still open while every public service it touched serves again (from a standby, after a
// failover; its primary is still down) reads "served again", not "unavailable": a visitor sees what
// they get now, and the incident stays open for the operators until the primary is back.
import type { Topology } from "../model/topology.js";
import type { Incident } from "../store/incidents.js";
import type { z } from "zod";
import type { publicStatusResponse } from "./schemas.js";

export type PublicStatus = z.output<typeof publicStatusResponse>;

function affectedPublic(incident: Incident, publicNames: ReadonlySet<string>): string[] {
  const names = [incident.root, ...incident.children].filter((part) => part.kind === "service" && publicNames.has(part.name)).map((part) => part.name);
  return [...new Set(names)].sort();
}

export function publicStatus(topology: Topology, health: (service: string) => string, incidents: readonly Incident[]): PublicStatus {
  const visible = [...topology.services.values()].filter((service) => service.public).map((service) => service.name).sort();
  const publicNames = new Set(visible);
  return {
    services: visible.map((name) => ({ name, health: health(name) })),
    incidents: incidents.flatMap((incident) => {
      const names = affectedPublic(incident, publicNames);
      if (names.length === 0) return [];
      const serving = names.every((name) => health(name) === "up" || health(name) === "degraded");
      const verb = incident.resolvedAt !== undefined ? "was unavailable" : serving ? "unavailable for a while, served again" : "unavailable";
      return [{ title: `${names.join(", ")} ${verb}`, opened_at: new Date(incident.openedAt).toISOString(), resolved_at: incident.resolvedAt === undefined ? null : new Date(incident.resolvedAt).toISOString() }];
    }),
  };
}
