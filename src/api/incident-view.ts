// Incidents as the API shows them: ISO times, a duration (to now while open) and the timeline of their
// notifications' deliveries (who sent what to which notifier, and how it went).
import type { Delivery } from "../store/deliveries.js";
import type { Incident } from "../store/incidents.js";
import type { z } from "zod";
import type { incidentView } from "./schemas.js";

export type IncidentView = z.output<typeof incidentView>;

const iso = (at: number) => new Date(at).toISOString();

export function viewIncident(incident: Incident, now: number, deliveries: readonly Delivery[] = []): IncidentView {
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    root: incident.root,
    children: incident.children,
    opened_at: iso(incident.openedAt),
    updated_at: iso(incident.updatedAt),
    resolved_at: incident.resolvedAt === undefined ? null : iso(incident.resolvedAt),
    duration_s: Math.max(0, Math.round(((incident.resolvedAt ?? now) - incident.openedAt) / 1000)),
    silenced: incident.silenced,
    deliveries: deliveries.map((delivery) => ({
      at: iso(delivery.at), notice: delivery.notice, notifier: delivery.notifier, outcome: delivery.outcome, attempts: delivery.attempts,
      ...(delivery.reason === undefined ? {} : { reason: delivery.reason }), sent_by: delivery.sentBy, alone: delivery.alone,
    })),
  };
}
