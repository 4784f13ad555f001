// The shapes the agent's API answers (src/api/CONTRACT.md). Kept by hand on this side: the dashboard is
// built separately from the agent and must read older or newer agents without crashing, so optional
// fields are marked optional rather than trusted.

export type Role = "viewer" | "operator";
export type Health = "up" | "degraded" | "down" | "unknown";

export interface Session {
  name: string;
  role: Role;
  csrf: string;
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
  health: Health;
  instances: Array<{ host: string; state: string }>;
  checks: CheckStatus[];
}

export interface IncidentRef {
  kind: string;
  name: string;
}

export interface Incident {
  id: number;
  title: string;
  severity: string;
  root: IncidentRef;
  children: IncidentRef[];
  opened_at: string;
  resolved_at?: string | null;
  duration_s?: number;
  silenced: boolean;
  /** Each notifier's answer to each of its notifications (absent from older agents). */
  deliveries?: Delivery[];
}

export interface Delivery {
  at: string;
  notice: string;
  notifier: string;
  outcome: "sent" | "retried" | "failed" | "dropped";
  attempts: number;
  reason?: string;
  sent_by: string;
  alone: boolean;
}

export interface AgentStatus {
  source: "agent" | "store";
  agent: { name: string; version: string; started_at: string | null; uptime_s: number | null };
  services: ServiceStatus[];
  incidents: Incident[];
}

export type Placement =
  | { kind: "replicas"; hosts: string[] }
  | { kind: "failover"; primary: string; standby: string[] }
  | { kind: "logical" };

export interface Need {
  any_of: string[];
  mode: string;
  after_s?: number | null;
  via?: string | null;
}

export interface TopologyHost {
  name: string;
  site: string | null;
  public: boolean;
}

export interface TopologyService {
  name: string;
  role: string;
  criticality: string;
  placement: Placement;
  needs: Need[];
  active_host: string | null;
  health: Health;
  /** The failover engine's role of each instance (newer agents, failover services only). */
  roles?: Array<{ host: string; state: string; since: string; reason: string }> | null;
}

export interface Topology {
  hosts: TopologyHost[];
  services: TopologyService[];
  spofs: string[];
}

export interface Uptime {
  uptime: number | null;
  latency: { p50_ms: number | null; p99_ms: number | null };
  series: Array<{ t: string | number; uptime: number | null; p50_ms: number | null }>;
  /** The response-time line at the resolution that fits the window (newer agents). */
  resolution?: "raw" | "minute" | "hour";
  points?: Array<{ t: string; ms: number }>;
}

export interface CheckBeat {
  at: string;
  ok: boolean;
  latency_ms: number;
  reason: string | null;
}

export interface ServiceBeat {
  at: string;
  state: "up" | "degraded" | "down" | "none";
  checks: number;
  failed: number;
  latency_ms: number | null;
  reason: string | null;
}

export interface ServiceHeartbeats {
  name: string;
  slot_s: number | null;
  beats: ServiceBeat[];
  checks: Array<{ name: string; host: string | null; beats: CheckBeat[] }>;
}

export interface PublicStatus {
  services: Array<{ name: string; health: Health }>;
  incidents: Array<{ title: string; opened_at: string; resolved_at: string | null }>;
}

/** GET /api/agents (absent from older agents: the overview then shows no watchers card). */
export interface AgentsList {
  coordination: "local" | "etcd";
  leader: string | null;
  quorum: number | null;
  agents: Array<{ name: string; version: string; leader: boolean; started_at: string | null; lease_age_s: number | null; last_observation_at: string | null; down: string[] }>;
  gone: string[];
  error?: string;
}
