// Writes the demo's config: the homelab of homelab.ts with an HTTP check on every instance, embedded
// defaults (SQLite store in the demo folder, local coordination, one agent), fast checks so a kill is
// seen within seconds, automatic failover for Headscale, and the dashboard with one operator and the
// token the `understudy demo kill` command uses.
import { stringify } from "yaml";
import { DEMO_HOSTS, DEMO_SERVICES } from "./homelab.js";

export interface DemoConfigInput {
  /** "host/service" → port. */
  ports: ReadonlyMap<string, number>;
  listen: string;
  dataDir: string;
  passwordHash: string;
  tokenHash: string;
}

export const portKey = (service: string, host: string) => `${host}/${service}`;

export function demoConfig(input: DemoConfigInput): string {
  const hosts = Object.fromEntries(Object.entries(DEMO_HOSTS).map(([name, host]) => [name, { address: "127.0.0.1", ...host }]));
  const services: Record<string, unknown> = {};
  for (const service of DEMO_SERVICES) {
    const instances = [...service.hosts, ...(service.standby ?? [])];
    services[service.name] = {
      ...(service.role ? { role: service.role } : {}),
      criticality: service.criticality ?? "normal",
      ...(service.standby ? { primary: service.hosts[0], standby: service.standby } : { runs_on: service.hosts }),
      ...(service.depends_on ? { depends_on: service.depends_on } : {}),
      ...(service.exposed_via ? { exposed_via: service.exposed_via } : {}),
      public: service.public ?? false,
      checks: instances.map((host) => ({
        name: `${service.name}@${host}`,
        on: host,
        http: `http://127.0.0.1:${input.ports.get(portKey(service.name, host))}/health`,
        interval: "2s",
        timeout: "1s",
        failure_threshold: 2,
      })),
      ...(service.standby ? { failover: { mode: "automatic", min_interval: "1m" }, recovery: { strategy: "automatic-failover", rto: "30s" }, target: { rto: "1m" } } : {}),
    };
  }
  services.mesh = { role: "overlay-network", criticality: "critical", depends_on: [{ service: "headscale", mode: "degrades", after: "1h" }] };
  const doc = {
    version: 1,
    hosts,
    services,
    agents: { coordination: "local", quorum: 1, listen: input.listen, data_dir: input.dataDir, grace: "3s", name: "demo" },
    dashboard: {
      users: [{ name: "demo", role: "operator", password_hash: input.passwordHash }],
      tokens: [{ name: "demo-cli", role: "operator", token_hash: input.tokenHash }],
    },
  };
  return `# Written by \`understudy demo\`: a simulated homelab on loopback. Safe to delete.\n${stringify(doc)}`;
}
