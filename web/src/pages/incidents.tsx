// Incidents as a timeline, newest first: each with its root cause (what actually failed) and the
// children it explains (what failed because of it), when it opened, and how long it lasted or has lasted,
// and who was told: each notification's delivery (which notifier, sent/retried/failed, by which agent).
import type { Delivery, Incident } from "../api/types.js";
import { useResource } from "../api/use-resource.js";
import { SeverityBadge } from "../components/health.js";
import { dateTime, since } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";

function Deliveries({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <details class="deliveries">
      <summary>Notifications ({deliveries.length})</summary>
      <ul>
        {deliveries.map((delivery) => (
          <li key={`${delivery.at}:${delivery.notice}:${delivery.notifier}:${delivery.sent_by}`} data-outcome={delivery.outcome}>
            <time dateTime={delivery.at}>{dateTime(delivery.at)}</time> {delivery.notice.replace(/:.*/, "")} → <code>{delivery.notifier}</code>:{" "}
            <span class={`badge ${delivery.outcome === "failed" || delivery.outcome === "dropped" ? "health-down" : "health-up"}`}>{delivery.outcome}</span>
            {delivery.attempts > 1 && ` after ${delivery.attempts} attempts`} <span class="muted">by {delivery.sent_by}{delivery.alone ? " alone (cut off from etcd)" : ""}</span>
            {delivery.reason && <span class="muted"> ({delivery.reason})</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}

function IncidentItem({ incident }: { incident: Incident }) {
  const open = !incident.resolved_at;
  return (
    <li class={`timeline-item ${open ? "open" : "resolved"}`} data-incident={incident.id}>
      <div class="when">
        <time dateTime={incident.opened_at}>{dateTime(incident.opened_at)}</time>
      </div>
      <article class="card">
        <div class="row-between">
          <h2>{incident.title}</h2>
          <span class="tags">
            <SeverityBadge severity={incident.severity} />
            <span class={`badge ${open ? "health-down" : "health-up"}`}>{open ? "open" : "resolved"}</span>
            {incident.silenced && <span class="badge">silenced</span>}
          </span>
        </div>
        <p>
          <strong>Root cause:</strong> {incident.root.kind} <code>{incident.root.name}</code>
        </p>
        {incident.children.length > 0 && (
          <div>
            <strong>Also affected ({incident.children.length}):</strong>
            <ul class="chips">
              {incident.children.map((child) => (
                <li key={`${child.kind}:${child.name}`}>
                  <span class="muted">{child.kind}</span> {child.name}
                </li>
              ))}
            </ul>
          </div>
        )}
        {incident.deliveries && incident.deliveries.length > 0 && <Deliveries deliveries={incident.deliveries} />}
        <p class="muted">{open ? `Open for ${since(incident.opened_at)}` : `Resolved ${dateTime(incident.resolved_at)} after ${since(incident.opened_at, incident.resolved_at)}`}</p>
      </article>
    </li>
  );
}

export function IncidentsPage() {
  const incidents = useResource<{ incidents: Incident[] }>("/api/incidents", ["incident"]);
  const list = [...(incidents.data?.incidents ?? [])].sort((a, b) => b.opened_at.localeCompare(a.opened_at));
  return (
    <section>
      <h1>Incidents</h1>
      {incidents.error && <ErrorNote message={incidents.error} retry={incidents.reload} />}
      {!incidents.data && !incidents.error && <Loading what="the incidents" />}
      {incidents.data && list.length === 0 && <Empty title="No incidents">Nothing has failed since the agent started keeping records.</Empty>}
      {list.length > 0 && (
        <ol class="timeline" aria-label="Incidents, newest first">
          {list.map((incident) => (
            <IncidentItem key={incident.id} incident={incident} />
          ))}
        </ol>
      )}
    </section>
  );
}
