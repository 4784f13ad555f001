// Incident notifications that, for a service in `failover.mode: manual`, end with the one command a
// person should run ("understudy failover hs --to spare"). Everything else is the usual incident sink.
import type { Dispatcher } from "../notify/dispatcher.js";
import type { Incident } from "../store/incidents.js";
import { dispatchingSink, incidentNotification, type IncidentSink } from "./incident-notifier.js";

export function withFailoverHints(dispatcher: () => Dispatcher, now: () => number, hint: (incident: Incident) => string | undefined): IncidentSink {
  const base = dispatchingSink(dispatcher, now);
  return {
    ...base,
    opened(incident) {
      const note = hint(incident);
      if (note === undefined) base.opened(incident);
      else dispatcher().openIncident(incidentNotification("opened", incident, now(), note));
    },
  };
}
