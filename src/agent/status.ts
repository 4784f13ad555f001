// What `GET /api/status` answers and `understudy status` prints: every service with its health, its
// instances and its checks' last results, and the open incidents. Pure: the running agent fills it from
// its verdicts, `understudy status` from the store when no agent answers (then health is unknown).
// No secrets: a check is shown by its name and kind, never its spec (URLs may carry tokens).
// With several agents (coordination etcd) it also says whether the quorum's verdicts are current or
// frozen and why, and which verdicts alerting follows meanwhile (src/coord/shared-verdicts.ts).
// An instance that received replicas shows its replica's age (data time, and the host it came from).
import type { Topology } from "../model/topology.js";
import { hostsOf } from "../model/topology.js";
import type { Delivery } from "../store/deliveries.js";
import type { Incident as StoredIncident } from "../store/incidents.js";
import type { ReplicaRecord } from "../backup/replica-state.js";

export interface LastResult {
  at: number;
  ok: boolean;
  reason: string | undefined;
  message: string;
  latencyMs: number;
}

export interface CheckStatus {
  name: string;
  kind: string;
  host: string | null;
  interval_s: number;
  last: { at: string; ok: boolean; reason: string | null; message: string; latency_ms: number } | null;
}

export interface ServiceStatus {
  name: string;
  criticality: string;
  health: string;
  instances: Array<{ host: string; state: string; role?: string; replica?: ReplicaStatus }>;
  checks: CheckStatus[];
}

export interface ReplicaStatus {
  /** How old the replica's data is: what a promotion to this host would lose. */
  age_s: number;
  data_time: string;
  shipped_at: string;
  /** The host it was taken on (absent in records of older versions). */
  source: string | null;
}

export interface IncidentStatus {
  id: number;
  title: string;
  severity: string;
  root: { kind: string; name: string };
  children: Array<{ kind: string; name: string }>;
  opened_at: string;
  silenced: boolean;
  /** Its notifications' deliveries, one line per notice ("opened: hook sent, ntfy failed, by h001"); absent when none. */
  notified?: string[];
}

export interface AgentStatus {
  /** "agent": the running agent's verdicts; "store": read from the data directory, no live verdicts. */
  source: "agent" | "store";
  agent: { name: string; version: string; started_at: string | null; uptime_s: number | null };
  services: ServiceStatus[];
  incidents: IncidentStatus[];
  /** Present with coordination etcd. */
  coordination?: CoordinationStatus;
}

export interface CoordinationStatus {
  coordination: "local" | "etcd";
  /** The agent holding the etcd leader key (the one that acts); this agent with coordination local. */
  leader: string | undefined;
  isLeader: boolean;
  /** The leader's fencing token (the leader key's create revision; a counter with coordination local). */
  token: number;
  /** With coordination etcd: the shared verdicts. */
  quorum?: number;
  /** Agents publishing observations. */
  vantages?: number;
  /** "frozen": instance states stay where they were (failover acts on them) until etcd answers again. */
  verdicts?: "current" | "frozen";
  reason?: string;
  since?: string;
  /** What incidents and notifications follow: the quorum's verdicts, or this agent's own (frozen, or fewer agents than the quorum). */
  alerting?: "quorum" | "local";
}

export interface StatusInput {
  topology: Topology;
  agent: AgentStatus["agent"];
  source: AgentStatus["source"];
  lastResult(check: string): LastResult | undefined;
  incidents: readonly StoredIncident[];
  /** Each incident's notification deliveries (src/store/deliveries.ts). */
  deliveries?(incidentId: number): readonly Delivery[];
  /** The replica records (src/backup/replica-state.ts) and the time to age them against. */
  replicas?: readonly ReplicaRecord[];
  now?: number;
  /** Live verdicts; absent when read from the store. */
  instanceState?(service: string, host: string): string;
  /** A primary/standby instance's role (src/failover/instance-states.ts): serving, warm, catching-up, pending-fence, down. */
  role?(service: string, host: string): string | undefined;
  health?(service: string): string;
  /** Who leads, and with etcd the shared verdicts' state (startSharedVerdicts' coordination()). */
  coordination?(): { leadership: Pick<CoordinationStatus, "coordination" | "leader" | "isLeader" | "token">; shared?: { quorum: number; vantages: number; current: boolean; reason: string; since: number; alertingLocal: boolean } | undefined } | undefined;
}

const iso = (at: number) => new Date(at).toISOString();

const replicaStatus = (record: ReplicaRecord, now: number): ReplicaStatus => ({
  age_s: Math.max(0, Math.round((now - Date.parse(record.data_time)) / 1000)), data_time: record.data_time, shipped_at: record.shipped_at, source: record.source ?? null,
});

/** One line per notice and sender: "opened: hook-a sent, ntfy retried (3 attempts), by h001". */
function notified(deliveries: readonly Delivery[]): { notified?: string[] } {
  const lines = new Map<string, string[]>();
  for (const delivery of deliveries) {
    const head = `${delivery.notice.replace(/:.*/, "")}${delivery.alone ? " (alone)" : ""}`;
    const key = `${head}\u0000${delivery.sentBy}`;
    const outcome = `${delivery.notifier} ${delivery.outcome}${delivery.attempts > 1 ? ` (${delivery.attempts} attempts)` : ""}`;
    lines.set(key, [...(lines.get(key) ?? []), outcome]);
  }
  if (lines.size === 0) return {};
  return { notified: [...lines].map(([key, outcomes]) => { const [head, by] = key.split("\u0000"); return `${head}: ${outcomes.join(", ")}, by ${by}`; }) };
}

export function buildStatus(input: StatusInput): AgentStatus {
  const { topology } = input;
  const services = [...topology.services.values()].map((service): ServiceStatus => {
    const hosts = service.placement.kind === "logical" ? ["*"] : hostsOf(service.placement);
    return {
      name: service.name,
      criticality: service.criticality,
      health: input.health?.(service.name) ?? "unknown",
      instances: hosts.map((host) => {
        const replica = input.replicas?.find((record) => record.service === service.name && record.host === host);
        const role = input.role?.(service.name, host);
        return { host, state: input.instanceState?.(service.name, host) ?? "unknown", ...(role === undefined ? {} : { role }), ...(replica ? { replica: replicaStatus(replica, input.now ?? Date.now()) } : {}) };
      }),
      checks: service.checks.map((check) => {
        const last = input.lastResult(check.name);
        return {
          name: check.name,
          kind: check.kind,
          host: check.host ?? null,
          interval_s: check.intervalMs / 1000,
          last: last ? { at: iso(last.at), ok: last.ok, reason: last.reason ?? null, message: last.message, latency_ms: last.latencyMs } : null,
        };
      }),
    };
  });
  const incidents = input.incidents.filter((incident) => incident.resolvedAt === undefined).map((incident): IncidentStatus => ({
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    root: incident.root,
    children: incident.children,
    opened_at: iso(incident.openedAt),
    silenced: incident.silenced,
    ...notified(input.deliveries?.(incident.id) ?? []),
  }));
  const found = input.coordination?.();
  const shared = found?.shared;
  const coordination: CoordinationStatus | undefined = found && {
    ...found.leadership,
    ...(shared ? {
      quorum: shared.quorum, vantages: shared.vantages, verdicts: shared.current ? "current" as const : "frozen" as const,
      reason: shared.reason, since: iso(shared.since)!, alerting: shared.alertingLocal ? "local" as const : "quorum" as const,
    } : {}),
  };
  return { source: input.source, agent: input.agent, services: services.sort((a, b) => a.name.localeCompare(b.name)), incidents, ...(coordination ? { coordination } : {}) };
}
