// Incidents as notifications: the opening, the changes a person needs to hear about (a new root, a
// higher severity) and the recovery, each keyed "incident:<id>" so the dispatcher dedupes and reminds per
// incident. Whether to send at all (silenced incidents are not) is the journal's call. The dispatcher
// returns at once, so a slow or failing notifier never holds up the journal, let alone the probes.
import { formatDuration } from "../config/duration.js";
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Notification, Severity } from "../notify/notifier.js";
import type { Incident } from "../store/incidents.js";

/** What the incident journal tells the outside world; the agent's implementation sends notifications. */
export interface IncidentSink {
  opened(incident: Incident): void;
  updated(incident: Incident, why: string): void;
  resolved(incident: Incident, at: number, why?: string): void;
}

const SEVERITIES: readonly Severity[] = ["critical", "high", "normal", "low"];
const severityOf = (text: string): Severity => (SEVERITIES as readonly string[]).includes(text) ? (text as Severity) : "normal";

function describe(incident: Incident): string {
  const children = incident.children.map((child) => child.name);
  return children.length > 0 ? `Also down: ${children.join(", ")}.` : `${incident.root.kind} ${incident.root.name} is down.`;
}

export function incidentNotification(event: Notification["event"], incident: Incident, at: number, note?: string): Notification {
  const fields = {
    incident_id: incident.id,
    root: `${incident.root.kind}:${incident.root.name}`,
    children: incident.children.map((child) => `${child.kind}:${child.name}`),
    opened_at: new Date(incident.openedAt).toISOString(),
  };
  const key = `incident:${incident.id}`;
  const severity = severityOf(incident.severity);
  if (event === "resolved") {
    const lasted = formatDuration(Math.max(0, at - incident.openedAt));
    return { key, event, severity, at, title: `Resolved: ${incident.title}`, body: `${incident.title}: resolved after ${lasted}.${note ? ` ${note}` : ""}`, fields: { ...fields, open_for_ms: at - incident.openedAt } };
  }
  return { key, event, severity, at, title: incident.title, body: `${note ? `${note} ` : ""}${describe(incident)}`, fields };
}

/** Sends incident notifications through whichever dispatcher is current (a reload may replace it). */
export function dispatchingSink(dispatcher: () => Dispatcher, now: () => number): IncidentSink {
  return {
    opened(incident) {
      dispatcher().openIncident(incidentNotification("opened", incident, now()));
    },
    updated(incident, why) {
      dispatcher().openIncident(incidentNotification("updated", incident, now(), why));
    },
    resolved(incident, at, why) {
      dispatcher().closeIncident(`incident:${incident.id}`, incidentNotification("resolved", incident, at, why));
    },
  };
}
