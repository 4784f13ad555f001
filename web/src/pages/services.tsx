// Services: the list with health on the left; for the chosen service its uptime over 24 h, 7 d and
// 30 d, a latency chart for a chosen window, and each check with its last result.
import { useState } from "preact/hooks";
import type { AgentStatus, ServiceStatus, Uptime } from "../api/types.js";
import { useResource } from "../api/use-resource.js";
import { HealthBadge } from "../components/health.js";
import { LatencyChart } from "../components/latency-chart.js";
import { dateTime, duration, ms, percent } from "../components/format.js";
import { ErrorNote, Loading } from "../components/states.js";

const WINDOWS = ["24h", "7d", "30d"] as const;
type Window = (typeof WINDOWS)[number];

const uptimePath = (name: string, window: Window) => `/api/services/${encodeURIComponent(name)}/uptime?window=${window}`;

function UptimeFigure({ name, window }: { name: string; window: Window }) {
  const uptime = useResource<Uptime>(uptimePath(name, window));
  return (
    <div class="figure" data-window={window}>
      <span class="label">Uptime {window}</span>
      <strong>{uptime.error ? "—" : uptime.data ? percent(uptime.data.uptime) : "…"}</strong>
    </div>
  );
}

function Latency({ name }: { name: string }) {
  const [window, setWindow] = useState<Window>("24h");
  const uptime = useResource<Uptime>(uptimePath(name, window));
  return (
    <section aria-labelledby="latency-title">
      <div class="row-between">
        <h3 id="latency-title">Latency</h3>
        <div role="radiogroup" aria-label="Window" class="segmented">
          {WINDOWS.map((choice) => (
            <button key={choice} type="button" role="radio" aria-checked={choice === window} onClick={() => setWindow(choice)}>
              {choice}
            </button>
          ))}
        </div>
      </div>
      {uptime.error && <ErrorNote message={uptime.error} retry={uptime.reload} />}
      {uptime.data && (
        <>
          <p class="muted">
            median {ms(uptime.data.latency.p50_ms)} · p99 {ms(uptime.data.latency.p99_ms)}
          </p>
          <LatencyChart series={uptime.data.series} label={`Median latency of ${name} over ${window}`} />
        </>
      )}
    </section>
  );
}

function Detail({ service }: { service: ServiceStatus }) {
  return (
    <article class="detail" aria-labelledby="service-title">
      <div class="row-between">
        <h2 id="service-title">{service.name}</h2>
        <HealthBadge health={service.health} />
      </div>
      <p class="muted">
        {service.criticality} · {service.instances.map((instance) => `${instance.host === "*" ? "logical" : instance.host}: ${instance.state}`).join(", ")}
      </p>
      <div class="figures">
        {WINDOWS.map((window) => (
          <UptimeFigure key={window} name={service.name} window={window} />
        ))}
      </div>
      <Latency name={service.name} />
      <h3>Checks</h3>
      {service.checks.length === 0 ? (
        <p class="muted">No checks: this service's health comes from what it depends on.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Kind</th>
                <th scope="col">From</th>
                <th scope="col">Every</th>
                <th scope="col">Last result</th>
                <th scope="col">Latency</th>
                <th scope="col">At</th>
              </tr>
            </thead>
            <tbody>
              {service.checks.map((check) => (
                <tr key={check.name}>
                  <th scope="row">{check.name}</th>
                  <td>{check.kind}</td>
                  <td>{check.host ?? "—"}</td>
                  <td>{duration(check.interval_s)}</td>
                  <td>{check.last ? <span class={check.last.ok ? "ok" : "fail"}>{check.last.ok ? "OK" : `Failed: ${check.last.reason ?? ""} ${check.last.message}`.trim()}</span> : <span class="muted">not run yet</span>}</td>
                  <td>{ms(check.last?.latency_ms)}</td>
                  <td>{dateTime(check.last?.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

export function ServicesPage({ name }: { name: string | null }) {
  const status = useResource<AgentStatus>("/api/status", ["status"]);
  const services = status.data?.services ?? [];
  const chosen = services.find((service) => service.name === name) ?? (name === null ? services[0] : undefined);
  return (
    <section>
      <h1>Services</h1>
      {status.error && <ErrorNote message={status.error} retry={status.reload} />}
      {!status.data && !status.error && <Loading what="the services" />}
      {status.data && (
        <div class="split">
          <nav aria-label="Services" class="side-list">
            <ul>
              {services.map((service) => (
                <li key={service.name}>
                  <a href={`/services/${encodeURIComponent(service.name)}`} aria-current={service === chosen ? "page" : undefined}>
                    <span>{service.name}</span>
                    <HealthBadge health={service.health} />
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {chosen ? <Detail service={chosen} /> : <ErrorNote message={`No service named "${name}".`} />}
        </div>
      )}
    </section>
  );
}
