// Overview: the open incidents first, then the infrastructure as the seed draws it, colored live by
// health (reloaded on every status or failover event), with the SPOFs outlined (violet and dotted: a
// structural risk, not an outage) and a table of the same facts for reading and for assistive technology.
// A failover service's instances are called what they are (instance-role.ts): a killed primary is down.
import type { AgentsList, AgentStatus, Incident, Topology, TopologyService } from "../api/types.js";
import { useResource } from "../api/use-resource.js";
import { since } from "../components/format.js";
import { HealthBadge, SeverityBadge } from "../components/health.js";
import { healthReason } from "../components/health-reason.js";
import { failoverWhere, type InstanceStates } from "../components/instance-role.js";
import { TopologyGraph } from "../components/topology-graph.js";
import { ErrorNote, Loading } from "../components/states.js";
import { DemoPanel } from "./demo-panel.js";

function where(service: TopologyService, states: InstanceStates): string {
  const placement = service.placement;
  if (placement.kind === "logical") return "logical (no host)";
  if (placement.kind === "replicas") return placement.hosts.length === 1 ? `on ${placement.hosts[0]} only` : `replicas on ${placement.hosts.join(", ")}`;
  return failoverWhere(service, states);
}

function OpenIncidents() {
  const incidents = useResource<{ incidents: Incident[] }>("/api/incidents?open=true", ["incident", "status"]);
  const list = incidents.data?.incidents ?? [];
  return (
    <section class="open-incidents" aria-labelledby="open-incidents-title">
      <h2 id="open-incidents-title">Open incidents</h2>
      {incidents.error && <ErrorNote message={incidents.error} retry={incidents.reload} />}
      {incidents.data && list.length === 0 && <p class="muted">None: nothing is failing now.</p>}
      {list.length > 0 && (
        <ul class="incident-list">
          {list.map((incident) => (
            <li key={incident.id} data-incident={incident.id} class="open">
              <div class="row-between">
                <a href="/incidents">
                  <strong>{incident.title}</strong>
                </a>
                <SeverityBadge severity={incident.severity} />
              </div>
              <span class="muted">
                Root cause: {incident.root.kind} {incident.root.name} · open for {since(incident.opened_at)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Who watches: each agent's lease and what it sees down; the gone ones first, in red. */
function Watchers() {
  const list = useResource<AgentsList>("/api/agents", ["status"]);
  const data = list.data;
  if (!data) return null;
  const live = data.agents.length;
  const total = live + data.gone.length;
  return (
    <section class="watchers" aria-labelledby="watchers-title">
      <h2 id="watchers-title">Agents</h2>
      <p class="muted">
        {data.coordination === "local"
          ? "One agent watches (coordination local)."
          : `${live} of ${total} agents reach etcd${data.quorum === null ? "" : `; quorum ${data.quorum}${live >= data.quorum ? " holds" : " is lost: no failure can be confirmed"}`}${data.leader ? `; ${data.leader} leads` : "; nobody leads"}.`}
        {data.error && ` ${data.error}.`}
      </p>
      <ul class="incident-list">
        {data.gone.map((name) => (
          <li key={`gone-${name}`} data-agent={name} class="open">
            <strong>{name}</strong> <span class="health health-down">gone</span>
            <div class="muted">joined, and has no lease now: it died or is cut off from etcd</div>
          </li>
        ))}
        {data.agents.map((agent) => (
          <li key={agent.name} data-agent={agent.name}>
            <strong>{agent.name}</strong> <span class="health health-up">{agent.leader ? "leader" : "watching"}</span>
            <div class="muted">
              {agent.version}
              {agent.lease_age_s !== null && ` · lease renewed ${agent.lease_age_s} s ago`}
              {agent.last_observation_at && ` · last observation ${since(agent.last_observation_at)} ago`}
              {agent.down.length > 0 && ` · sees down: ${agent.down.join(", ")}`}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Counts({ topology }: { topology: Topology }) {
  const count = (health: string) => topology.services.filter((service) => service.health === health).length;
  return (
    <ul class="counts" aria-label="Summary">
      <li class="health-up">
        <strong>{count("up")}</strong> up
      </li>
      <li class="health-degraded">
        <strong>{count("degraded")}</strong> degraded
      </li>
      <li class="health-down">
        <strong>{count("down")}</strong> down
      </li>
      <li class="spof-count">
        <strong>{topology.spofs.length}</strong> single points of failure
      </li>
    </ul>
  );
}

/** A drawing wider than its frame (a phone) opens scrolled to its middle, where the mesh and the links are. */
const alreadyCentered = new WeakSet<HTMLDivElement>();
function centered(frame: HTMLDivElement | null): void {
  if (!frame || alreadyCentered.has(frame) || frame.scrollWidth <= frame.clientWidth) return;
  alreadyCentered.add(frame);
  frame.scrollLeft = (frame.scrollWidth - frame.clientWidth) / 2;
}

export function OverviewPage() {
  const topology = useResource<Topology>("/api/topology", ["status", "failover"]);
  // Instance states color each box on its own (a killed primary stays red after its standby took over).
  const status = useResource<AgentStatus>("/api/status", ["status"]);
  const states = new Map((status.data?.services ?? []).flatMap((service) => service.instances.map((instance) => [`${service.name}@${instance.host}`, instance.state] as const)));
  const data = topology.data;
  const healthOf = (name: string) => data?.services.find((service) => service.name === name)?.health;
  const reasons = new Map((data?.services ?? []).map((service) => [service.name, healthReason(service, states, healthOf)]));
  return (
    <section>
      <h1>Overview</h1>
      {topology.error && <ErrorNote message={topology.error} retry={topology.reload} />}
      {!data && !topology.error && <Loading what="the topology" />}
      {data && (
        <>
          <Counts topology={data} />
          <OpenIncidents />
          <Watchers />
          <DemoPanel />
          <div class="graph-scroll" ref={centered}>
            <TopologyGraph topology={data} states={states} />
          </div>
          <ul class="legend" aria-label="Legend">
            <li><span class="swatch health-up" /> up</li>
            <li><span class="swatch health-degraded" /> degraded</li>
            <li><span class="swatch health-down" /> down</li>
            <li><span class="swatch health-unknown" /> unknown</li>
            <li><span class="swatch standby" /> standby, catching up</li>
            <li><span class="swatch spof" /> single point of failure</li>
            <li><span class="line" /> needs</li>
            <li><span class="line soft" /> degrades without</li>
          </ul>
          <h2>Services</h2>
          <div class="table-scroll">
            <table class="stack" aria-label="Services">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Health</th>
                  <th scope="col">Criticality</th>
                  <th scope="col">Where</th>
                  <th scope="col">Needs</th>
                </tr>
              </thead>
              <tbody>
                {data.services.map((service) => (
                  <tr key={service.name} data-service={service.name} class={data.spofs.includes(service.name) ? "spof-row" : ""}>
                    <th scope="row">
                      <a href={`/services/${encodeURIComponent(service.name)}`}>{service.name}</a>
                      {data.spofs.includes(service.name) && <span class="spof-tag-inline">SPOF</span>}
                    </th>
                    <td data-label="Health">
                      <HealthBadge health={service.health} />
                      {reasons.get(service.name) && <div class="muted reason">{reasons.get(service.name)}</div>}
                    </td>
                    <td data-label="Criticality">{service.criticality}</td>
                    <td data-label="Where" class="where">{where(service, states)}</td>
                    <td data-label="Needs">{service.needs.map((need) => need.any_of.join(" or ") + (need.mode === "degrades" ? " (soft)" : "")).join(", ") || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
