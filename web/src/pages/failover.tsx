// Failover: the services that can move (a primary with standbys), where each is active now, a "Fail
// over" button for operators (viewers see why it is disabled), and the history with each step's timing
// and output.
import { useState } from "preact/hooks";
import { failoverView, type FailoverStepView, type FailoverView } from "../api/failover-view.js";
import type { AgentStatus, Topology, TopologyService } from "../api/types.js";
import { isOperator, useSession } from "../api/session.js";
import { useResource } from "../api/use-resource.js";
import { HealthBadge } from "../components/health.js";
import { healthReason } from "../components/health-reason.js";
import { dateTime, duration, since } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";
import { FailoverDialog } from "./failover-dialog.js";

function standbysOf(service: TopologyService): string[] {
  if (service.placement.kind !== "failover") return [];
  const active = service.active_host ?? service.placement.primary;
  return [service.placement.primary, ...service.placement.standby].filter((host) => host !== active);
}

function stepDuration(step: FailoverStepView): string {
  if (step.durationMs !== null) return duration(step.durationMs / 1000);
  if (step.startedAt && step.finishedAt) return since(step.startedAt, step.finishedAt);
  return step.status === "running" || step.status === "started" ? "running" : "—";
}

function HistoryItem({ failover }: { failover: FailoverView }) {
  return (
    <li class="card" data-failover={failover.id}>
      <div class="row-between">
        <h3>
          {failover.service}: {failover.from ?? "—"} → {failover.to ?? "—"}
        </h3>
        <span class={`badge state-${failover.status}`}>{failover.status}</span>
      </div>
      <p class="muted">
        {failover.kind === "failback" ? "Failback · " : ""}
        {dateTime(failover.startedAt)}
        {failover.startedAt && failover.finishedAt ? ` · took ${since(failover.startedAt, failover.finishedAt)}` : failover.finishedAt ? "" : " · running"}
        {failover.reason ? ` · ${failover.reason}` : ""}
      </p>
      {failover.summary && <p>{failover.summary}</p>}
      <div class="table-scroll">
        <table aria-label={`Steps of the ${failover.service} failover`}>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">Took</th>
              <th scope="col">Output</th>
            </tr>
          </thead>
          <tbody>
            {failover.steps.map((step, index) => (
              <tr key={index}>
                <th scope="row">{step.name}</th>
                <td>{step.attempt ?? "—"}</td>
                <td class={step.status === "failed" ? "fail" : step.status === "done" ? "ok" : ""}>
                  {step.status}
                  {step.reason ? `: ${step.reason}` : ""}
                </td>
                <td>{stepDuration(step)}</td>
                <td>{step.output ? <pre>{step.output}</pre> : <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </li>
  );
}

export function FailoverPage() {
  const session = useSession();
  const operator = isOperator(session);
  const topology = useResource<Topology>("/api/topology", ["status", "failover"]);
  const history = useResource<{ failovers: unknown[] }>("/api/failovers", ["failover"]);
  const runs = (history.data?.failovers ?? []).map(failoverView);
  const [asking, setAsking] = useState<TopologyService | null>(null);
  const movable = (topology.data?.services ?? []).filter((service) => service.placement.kind === "failover");
  // Instance states say why a service that moved is degraded (its old primary is still down).
  const status = useResource<AgentStatus>("/api/status", ["status"]);
  const states = new Map((status.data?.services ?? []).flatMap((service) => service.instances.map((instance) => [`${service.name}@${instance.host}`, instance.state] as const)));

  return (
    <section>
      <h1>Failover</h1>
      {topology.error && <ErrorNote message={topology.error} retry={topology.reload} />}
      {!topology.data && !topology.error && <Loading what="the services" />}
      {!operator && session && <p class="note">You are signed in as a viewer: only operators can start a failover.</p>}
      {topology.data && movable.length === 0 && <Empty title="Nothing can fail over">No service has a primary and a standby in the config.</Empty>}
      {movable.length > 0 && (
        <div class="table-scroll">
          <table aria-label="Services that can fail over">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Health</th>
                <th scope="col">Active on</th>
                <th scope="col">Standby</th>
                <th scope="col"><span class="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {movable.map((service) => (
                <tr key={service.name} data-service={service.name}>
                  <th scope="row">{service.name}</th>
                  <td>
                    <HealthBadge health={service.health} />
                    {healthReason(service, states) && <div class="muted reason">{healthReason(service, states)}</div>}
                  </td>
                  <td class="active-host">{service.active_host ?? (service.placement.kind === "failover" ? service.placement.primary : "—")}</td>
                  <td>{standbysOf(service).join(", ") || <span class="muted">none</span>}</td>
                  <td>
                    <button type="button" class="danger" disabled={!operator || standbysOf(service).length === 0} onClick={() => setAsking(service)} aria-label={`Fail over ${service.name}`}>
                      Fail over…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>History</h2>
      {history.error && <ErrorNote message={history.error} retry={history.reload} />}
      {history.data && runs.length === 0 && <Empty title="No failovers yet" />}
      {runs.length > 0 && (
        <ol class="history" aria-label="Failover history, newest first">
          {runs.map((failover) => (
            <HistoryItem key={failover.id} failover={failover} />
          ))}
        </ol>
      )}
      <FailoverDialog
        service={asking}
        onClose={(started) => {
          setAsking(null);
          if (started) {
            history.reload();
            topology.reload();
          }
        }}
      />
    </section>
  );
}
