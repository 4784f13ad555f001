// Services: the list with health and a heartbeat bar for each on the left; for the chosen service its
// heartbeat bar, uptime over 24 h, 7 d and 30 d, a response-time chart for a chosen window (1 h to 30 d,
// at the resolution that fits it), and each check with its last result and its own heartbeat bar.
import { useEffect, useState } from "preact/hooks";
import type { AgentStatus, ServiceHeartbeats, ServiceStatus, Uptime } from "../api/types.js";
import { useResource } from "../api/use-resource.js";
import { HealthBadge } from "../components/health.js";
import { CheckBeats, ServiceBeats } from "../components/heartbeat-bar.js";
import { LatencyChart } from "../components/latency-chart.js";
import { dateTime, duration, ms, percent } from "../components/format.js";
import { ErrorNote, Loading } from "../components/states.js";

const WINDOWS = ["24h", "7d", "30d"] as const;
const CHART_WINDOWS = ["1h", "6h", "24h", "7d", "30d"] as const;
type Window = (typeof CHART_WINDOWS)[number];

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
        <h3 id="latency-title">Response time</h3>
        <div role="radiogroup" aria-label="Window" class="segmented">
          {CHART_WINDOWS.map((choice) => (
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
          <LatencyChart uptime={uptime.data} label={`Median latency of ${name} over ${window}`} />
        </>
      )}
    </section>
  );
}

function Detail({ service, beats }: { service: ServiceStatus; beats: ServiceHeartbeats | undefined }) {
  const checkBeats = (name: string, host: string | null) => beats?.checks.find((check) => check.name === name && check.host === host)?.beats ?? [];
  return (
    <article class="detail" aria-labelledby="service-title">
      <div class="row-between">
        <h2 id="service-title">{service.name}</h2>
        <HealthBadge health={service.health} />
      </div>
      <p class="muted">
        {service.criticality} · {service.instances.map((instance) => `${instance.host === "*" ? "logical" : instance.host}: ${instance.state}`).join(", ")}
      </p>
      <h3>Recent health</h3>
      {beats ? <ServiceBeats name={service.name} beats={beats.beats} /> : <p class="muted">…</p>}
      {beats?.slot_s ? <p class="muted small-print">One bar every {duration(beats.slot_s)}, oldest left: the checks of the host serving then.</p> : null}
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
          <table class="stack" aria-label={`Checks of ${service.name}`}>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Kind</th>
                <th scope="col">From</th>
                <th scope="col">Every</th>
                <th scope="col">Recent</th>
                <th scope="col">Last result</th>
                <th scope="col">Latency</th>
                <th scope="col">At</th>
              </tr>
            </thead>
            <tbody>
              {service.checks.map((check) => (
                <tr key={`${check.name}@${check.host ?? ""}`} data-check={check.name}>
                  <th scope="row">{check.name}</th>
                  <td data-label="Kind">{check.kind}</td>
                  <td data-label="From">{check.host ?? "—"}</td>
                  <td data-label="Every">{duration(check.interval_s)}</td>
                  <td data-label="Recent">
                    <CheckBeats name={check.name} beats={checkBeats(check.name, check.host)} />
                  </td>
                  <td data-label="Last result" class="last-result">{check.last ? <span class={check.last.ok ? "ok" : "fail"}>{check.last.ok ? "OK" : `Failed: ${check.last.reason ?? ""} ${check.last.message}`.trim()}</span> : <span class="muted">not run yet</span>}</td>
                  <td data-label="Latency">{ms(check.last?.latency_ms)}</td>
                  <td data-label="At">{dateTime(check.last?.at)}</td>
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
  // One request for every service's bars, reloaded with the status (each check result moves them).
  const heartbeats = useResource<{ services: ServiceHeartbeats[] }>("/api/heartbeats?limit=40", ["status"]);
  const reloadBeats = heartbeats.reload;
  useEffect(() => {
    const timer = setInterval(reloadBeats, 10_000);
    return () => clearInterval(timer);
  }, [reloadBeats]);
  const beatsOf = (service: string) => heartbeats.data?.services.find((entry) => entry.name === service);
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
                    <span class="side-name">
                      <span>{service.name}</span>
                      <HealthBadge health={service.health} />
                    </span>
                    {(beatsOf(service.name)?.beats.length ?? 0) > 0 && <ServiceBeats name={service.name} beats={beatsOf(service.name)!.beats.slice(-20)} />}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {chosen ? <Detail service={chosen} beats={beatsOf(chosen.name)} /> : <ErrorNote message={`No service named "${name}".`} />}
        </div>
      )}
    </section>
  );
}
