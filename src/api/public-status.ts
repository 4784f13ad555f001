// GET /api/public/status: what a stranger may see. Only services marked `public: true`, by name and
// health; incidents that touch one of them, with a title rebuilt from public service names alone — the
// stored title names hosts and private services ("H003 down: lan, adguard…"), so it is never copied.
// No addresses, hosts, checks or internals: the output is built field by field from an allowlist.
// A visitor's outage is what they got: from the first failed check to the service being served again.
// When every public service an incident touched was served again by a completed failover (its switch),
// the entry ends then and reads "was unavailable", even while the incident (its root: the primary down)
// stays open for the operators, with its own duration on the operators' pages. Served again without a
// switch (a replica still serving) reads "unavailable for a while, served again" while the incident lasts.
import type { Topology } from "../model/topology.js";
import type { Incident } from "../store/incidents.js";
import type { z } from "zod";
import type { publicStatusResponse } from "./schemas.js";

export type PublicStatus = z.output<typeof publicStatusResponse>;

function affectedPublic(incident: Incident, publicNames: ReadonlySet<string>): string[] {
  const names = [incident.root, ...incident.children].filter((part) => part.kind === "service" && publicNames.has(part.name)).map((part) => part.name);
  return [...new Set(names)].sort();
}

/** Outage bounds from the store; without them an entry spans its incident. */
export interface OutageSource {
  /** When `service` was first served from another host in [from, to), if it was. */
  servedAgainAt(service: string, from: number, to: number): number | undefined;
  /** When the failures that opened an incident at `at` began, if they were recorded. */
  firstFailure(service: string, at: number): number | undefined;
}

/** One public outage: the public services an incident touched, from the first failed check to served again. */
export interface PublicOutage {
  readonly names: readonly string[];
  readonly openedAt: number;
  /** When users were served again (or the incident resolved); undefined while it lasts. */
  readonly endedAt: number | undefined;
  readonly title: string;
}

/** The outages of the services in `publicNames` that `incidents` describe, newest first like the incidents. */
export function publicOutages(publicNames: ReadonlySet<string>, health: (service: string) => string, incidents: readonly Incident[], outage?: OutageSource, now = Date.now()): PublicOutage[] {
  return incidents.flatMap((incident) => {
    const names = affectedPublic(incident, publicNames);
    if (names.length === 0) return [];
    const serving = names.every((name) => health(name) === "up" || health(name) === "degraded");
    const firsts = names.map((name) => outage?.firstFailure(name, incident.openedAt)).filter((at): at is number => at !== undefined);
    const openedAt = Math.min(incident.openedAt, ...firsts);
    const served = names.map((name) => outage?.servedAgainAt(name, openedAt, incident.resolvedAt ?? now));
    const servedAt = served.every((at) => at !== undefined) ? Math.max(...served) : undefined;
    // Served again by a switch ends the outage, unless the service is down again now.
    const ended = servedAt !== undefined && (incident.resolvedAt !== undefined || serving)
      ? Math.min(servedAt, incident.resolvedAt ?? Infinity) : incident.resolvedAt;
    const verb = ended !== undefined ? "was unavailable" : serving ? "unavailable for a while, served again" : "unavailable";
    return [{ names, openedAt, endedAt: ended, title: `${names.join(", ")} ${verb}` }];
  });
}

/** Services marked `public: true`, by name. */
export function publicServiceNames(topology: Topology): string[] {
  return [...topology.services.values()].filter((service) => service.public).map((service) => service.name).sort();
}

export function publicStatus(topology: Topology, health: (service: string) => string, incidents: readonly Incident[], outage?: OutageSource, now = Date.now()): PublicStatus {
  const visible = publicServiceNames(topology);
  return {
    services: visible.map((name) => ({ name, health: health(name) })),
    incidents: publicOutages(new Set(visible), health, incidents, outage, now).map((entry) => ({
      title: entry.title, opened_at: new Date(entry.openedAt).toISOString(), resolved_at: entry.endedAt === undefined ? null : new Date(entry.endedAt).toISOString(),
    })),
  };
}
