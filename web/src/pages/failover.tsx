// Failover: the services that can move (a primary with standbys), where each is active now and what its
// other instances are (down, catching up, standby), a "Fail over" button for operators and, once a service
// runs away from its primary, a "Fail back" button. Each button is disabled with the reason beside it when
// it cannot act (a viewer; the guards would refuse, read from a dry run). Then the history with each
// step's timing and output. On a phone the services table reads as one card per service.
import { useState } from "preact/hooks";
import { blockedBy, usePlan } from "../api/failover-plans.js";
import { failoverView, type FailoverStepView, type FailoverView } from "../api/failover-view.js";
import type { AgentStatus, Topology, TopologyService } from "../api/types.js";
import { isOperator, useSession } from "../api/session.js";
import { useResource } from "../api/use-resource.js";
import { HealthBadge } from "../components/health.js";
import { healthReason } from "../components/health-reason.js";
import { activeHostOf, roleOf, ROLE_WORDS, type InstanceStates } from "../components/instance-role.js";
import { dateTime, duration, since } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";
import { FailoverDialog, type MoveRequest } from "./failover-dialog.js";

function standbysOf(service: TopologyService): string[] {
  if (service.placement.kind !== "failover") return [];
  const active = activeHostOf(service);
  return [service.placement.primary, ...service.placement.standby].filter((host) => host !== active);
}

function Actions({ service, operator, states, onAsk }: { service: TopologyService; operator: boolean; states: InstanceStates; onAsk(kind: MoveRequest["kind"]): void }) {
  const primary = service.placement.kind === "failover" ? service.placement.primary : null;
  const away = primary !== null && activeHostOf(service) !== primary;
  // The facts a guard reads: a change in any of them asks for the plans again.
  const key = JSON.stringify([service.health, service.active_host, service.roles, standbysOf(service).map((host) => states.get(`${service.name}@${host}`))]);
  const failover = usePlan(operator ? service.name : null, "failover", key);
  const failback = usePlan(operator && away ? service.name : null, "failback", key);
  const overWhy = !operator ? "only operators can fail over" : standbysOf(service).length === 0 ? "no standby" : blockedBy(failover);
  const backWhy = !operator ? "only operators can fail back" : blockedBy(failback);
  const id = (kind: string) => `why-${kind}-${service.name}`;
  return (
    <div class="move-actions">
      <div>
        <button type="button" class="danger" disabled={overWhy !== null || (operator && !failover.plan)} onClick={() => onAsk("failover")} aria-label={`Fail over ${service.name}`} aria-describedby={overWhy ? id("over") : undefined}>
          Fail over…
        </button>
        {overWhy && operator && (
          <div class="muted reason why" id={id("over")}>
            Cannot fail over now: {overWhy}
          </div>
        )}
      </div>
      {away && (
        <div>
          <button type="button" disabled={backWhy !== null || (operator && !failback.plan)} onClick={() => onAsk("failback")} aria-label={`Fail back ${service.name}`} aria-describedby={backWhy ? id("back") : undefined}>
            Fail back…
          </button>
          {backWhy && operator && (
            <div class="muted reason why" id={id("back")}>
              Cannot fail back to {primary} now: {backWhy}
            </div>
          )}
        </div>
      )}
    </div>
  );
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
        <table aria-label={`Steps of the ${failover.service} failover`} class="stack">
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
                <td data-label="Attempt">{step.attempt ?? "—"}</td>
                <td data-label="Result" class={step.status === "failed" ? "fail" : step.status === "done" ? "ok" : ""}>
                  {step.status}
                  {step.reason ? `: ${step.reason}` : ""}
                </td>
                <td data-label="Took">{stepDuration(step)}</td>
                <td data-label="Output">{step.output ? <pre>{step.output}</pre> : <span class="muted">—</span>}</td>
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
  const [asking, setAsking] = useState<MoveRequest | null>(null);
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
        <table aria-label="Services that can fail over" class="stack">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Health</th>
              <th scope="col">Active on</th>
              <th scope="col">Other instances</th>
              <th scope="col"><span class="visually-hidden">Action</span></th>
            </tr>
          </thead>
          <tbody>
            {movable.map((service) => (
              <tr key={service.name} data-service={service.name}>
                <th scope="row">{service.name}</th>
                <td data-label="Health">
                  <HealthBadge health={service.health} />
                  {healthReason(service, states) && <div class="muted reason">{healthReason(service, states)}</div>}
                </td>
                <td data-label="Active on" class="active-host">{activeHostOf(service) ?? "—"}</td>
                <td data-label="Other instances" class="others">
                  {standbysOf(service).length === 0 ? <span class="muted">none</span> : standbysOf(service).map((host) => `${host} (${ROLE_WORDS[roleOf(service, host, states)]})`).join(", ")}
                </td>
                <td>
                  <Actions service={service} operator={operator} states={states} onAsk={(kind) => setAsking({ service, kind, at: Date.now() })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
        request={asking}
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
