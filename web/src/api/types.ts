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
}

export interface PublicStatus {
  services: Array<{ name: string; health: Health }>;
  incidents: Array<{ title: string; opened_at: string; resolved_at: string | null }>;
}
