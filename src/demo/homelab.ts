// The demo's homelab: the seed's hosts and services (examples/homelab.yaml's shape) on loopback.
// Every host is 127.0.0.1; each service instance is a child process on a port of its own. Headscale
// is the stateful one (SQLite) with a hot standby on O001, so killing its primary shows a failover.
export interface DemoService {
  name: string;
  role?: string;
  criticality?: "critical" | "high" | "normal" | "low";
  /** Replicas, or primary + standby. */
  hosts: string[];
  standby?: string[];
  depends_on?: Array<string | { service: string; mode: "degrades"; after: string }>;
  exposed_via?: string;
  public?: boolean;
  sqlite?: boolean;
}

export const DEMO_HOSTS: Record<string, { site: string; public?: boolean; description: string }> = {
  L001: { site: "linode", public: true, description: "VPS: Headscale" },
  O001: { site: "oracle", public: true, description: "VPS: nginx, Vaultwarden; Headscale's standby" },
  H001: { site: "home", description: "Service host: Forgejo, Jellyfin" },
  H002: { site: "home", description: "NAS" },
  H003: { site: "home", description: "Router: AdGuard, LAN" },
};

export const DEMO_SERVICES: DemoService[] = [
  { name: "headscale", role: "control-plane", criticality: "critical", hosts: ["L001"], standby: ["O001"], public: true, sqlite: true },
  { name: "nginx", role: "reverse-proxy", criticality: "high", hosts: ["O001"], public: true },
  { name: "vaultwarden", role: "password-manager", criticality: "high", hosts: ["O001"], exposed_via: "nginx", public: true },
  { name: "forgejo", role: "app", criticality: "high", hosts: ["H001"], exposed_via: "nginx", depends_on: ["lan"], public: true },
  { name: "adguard", role: "dns", criticality: "high", hosts: ["H003"] },
  { name: "lan", role: "router", criticality: "high", hosts: ["H003"], depends_on: ["adguard"] },
  { name: "nfs", role: "nfs", criticality: "high", hosts: ["H002"], depends_on: ["lan"] },
  { name: "jellyfin", role: "media", hosts: ["H001"], depends_on: ["lan", "nfs"], public: true },
];

/** Every instance the demo runs: the replicas, or the primary and its standbys. */
export function demoInstances(): Array<{ service: DemoService; host: string }> {
  return DEMO_SERVICES.flatMap((service) => [...service.hosts, ...(service.standby ?? [])].map((host) => ({ service, host })));
}
