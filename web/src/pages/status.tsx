// The public status page: no login, only the services the config marks public and their incidents,
// no addresses or internals (the agent's /api/public/status answers nothing else). It polls, because
// the live event stream is for signed-in users.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.js";
import type { PublicStatus } from "../api/types.js";
import { HealthBadge } from "../components/health.js";
import { dateTime, since } from "../components/format.js";
import { ErrorNote, Loading } from "../components/states.js";

const POLL_MS = 15_000;

function headline(status: PublicStatus): { text: string; health: string } {
  const healths = status.services.map((service) => service.health);
  if (healths.includes("down")) return { text: "Some services are down", health: "down" };
  if (healths.includes("degraded")) return { text: "Some services are degraded", health: "degraded" };
  if (healths.length > 0 && healths.every((health) => health === "up")) return { text: "All systems operational", health: "up" };
  return { text: "Status unknown", health: "unknown" };
}

export function StatusPage() {
  const [status, setStatus] = useState<PublicStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = "Status";
    let stopped = false;
    const load = () =>
      api<PublicStatus>("/api/public/status", { quiet401: true }).then(
        (value) => !stopped && (setStatus(value), setError(null)),
        (failure: unknown) => !stopped && setError(failure instanceof Error ? failure.message : String(failure)),
      );
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => ((stopped = true), clearInterval(timer));
  }, []);

  const open = status?.incidents.filter((incident) => !incident.resolved_at) ?? [];
  const past = (status?.incidents.filter((incident) => incident.resolved_at) ?? []).sort((a, b) => b.opened_at.localeCompare(a.opened_at));
  const summary = status ? headline(status) : null;
  return (
    <main class="public" id="main">
      <h1>Service status</h1>
      {error && <ErrorNote message={`Could not load the status: ${error}`} />}
      {!status && !error && <Loading what="the status" />}
      {summary && (
        <p class={`banner health-${summary.health}`} role="status">
          {summary.text}
        </p>
      )}
      {status && (
        <>
          <ul class="status-list" aria-label="Services">
            {status.services.map((service) => (
              <li key={service.name} data-service={service.name}>
                <span class="name">{service.name}</span>
                <HealthBadge health={service.health} />
              </li>
            ))}
          </ul>
          <h2>Current incidents</h2>
          {open.length === 0 ? (
            <p class="muted">No current incidents.</p>
          ) : (
            <ul class="incident-list">
              {open.map((incident) => (
                <li key={incident.title + incident.opened_at}>
                  <strong>{incident.title}</strong>
                  <span class="muted">
                    since {dateTime(incident.opened_at)} ({since(incident.opened_at)})
                  </span>
                </li>
              ))}
            </ul>
          )}
          {past.length > 0 && (
            <>
              <h2>Recently resolved</h2>
              <ul class="incident-list">
                {past.map((incident) => (
                  <li key={incident.title + incident.opened_at}>
                    <strong>{incident.title}</strong>
                    <span class="muted">
                      {dateTime(incident.opened_at)} – {dateTime(incident.resolved_at)} ({since(incident.opened_at, incident.resolved_at)})
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <footer class="muted small-print">Updated every {POLL_MS / 1000} seconds.</footer>
    </main>
  );
}
